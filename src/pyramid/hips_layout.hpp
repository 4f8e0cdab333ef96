// Where things are in a HiPS (IVOA HiPS 1.0, §4): the tile paths `NorderK/DirD/NpixN.ext`, which HEALPix
// cell each pixel of a tile shows, the order a HiPS of an image needs, and the Allsky mosaic. Pure
// functions, so the builder, the server's adapter and the tests share one definition.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace astropixel::pyramid::hips {

// A tile: order K and nested number N (0 ≤ N < 12·4^K).
struct TileId {
  int order = 0;
  std::int64_t number = 0;
};

// "Norder3/Dir0/Npix123.png": D is N rounded down to a multiple of 10 000.
std::string tile_path(TileId t, std::string_view extension);

// A tile path as served, strictly: every part in its canonical spelling (no leading zeros, D matching
// N, K ≤ max_order, N in range). Errors: invalid_argument naming what is wrong.
struct ParsedPath {
  TileId tile;
  std::string extension;
};
Result<ParsedPath> parse_tile_path(std::string_view path, int max_order);

// The pixel at (row from the top, column) of tile t, `2^width_log2` pixels wide, shows the HEALPix cell
// of order K + width_log2 returned here. HiPS fixes this orientation (§4.2.1; what Aladin's readers
// and Hipsgen's writers agree on): the row is the cell's x in its face, the column its y, so a 4-pixel
// tile reads, by rows, 0 2 8 10 / 1 3 9 11 / 4 6 12 14 / 5 7 13 15. FITS tiles store rows bottom-up.
std::int64_t pixel_cell(TileId t, int width_log2, std::uint32_t row, std::uint32_t column);

struct RowColumn {
  std::uint32_t row = 0;
  std::uint32_t column = 0;
};
// The inverse: the tile holding a cell of order K + width_log2, and the pixel showing it.
TileId tile_of_cell(int pixel_order, std::int64_t cell, int width_log2);
RowColumn pixel_of_cell(std::int64_t cell, int width_log2);

// The deepest order for an image whose pixels measure `pixel_deg` degrees, as Hipsgen chooses it (so both
// builds of one image land on the same order): the cell order whose cells are just smaller than a
// pixel, minus the tile's width_log2, and at least 3 (Allsky needs order 3).
int order_for_pixel_size(double pixel_deg, int width_log2);

// The angular size (degrees) of a cell at an order: √(4π / 12·4^order) radians.
double cell_size_deg(int order);

// Allsky: the 768 tiles of order 3, each shrunk to `thumb` pixels, 27 to a row.
inline constexpr int kAllskyColumns = 27;
inline constexpr int kAllskyOrder = 3;
struct AllskyPlace {
  std::uint32_t x = 0;
  std::uint32_t y = 0;
};
AllskyPlace allsky_place(std::int64_t number, int thumb);
// Width and height of the mosaic in pixels.
AllskyPlace allsky_size(int thumb);

// A file of a HiPS as a client asks for it (relative to the HiPS's root): "properties", "Moc.fits",
// "Norder3/Allsky.png|fits" or a tile path of parse_tile_path in png or fits, every part canonical.
// Returns the path as given; errors: not_found for anything else.
Result<std::string> served_file(std::string_view path);
// Its media type.
std::string_view media_type(std::string_view path);

// Where a dataset's HiPS of one pyramid version lives in the blob store: blob_prefix(id, version) +
// blob_name(path). Blob keys are lower case ("Norder3/Dir0/Npix5.png" → "norder3/dir0/npix5.png"); the
// strict path grammar above makes the mapping one to one.
std::string blob_prefix(std::string_view dataset_id, int version);
std::string blob_name(std::string_view path);
// The inverse: the served file a blob name stands for; nullopt for a name no served file maps to.
std::optional<std::string> file_of_blob_name(std::string_view name);

}  // namespace astropixel::pyramid::hips
