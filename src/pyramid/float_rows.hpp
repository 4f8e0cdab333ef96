#pragma once
// Rows of float data values, top to bottom: what the display stretch reads. Implemented over
// libvips (16-bit and float TIFF/PNG/...) and over cfitsio (FITS: HDU and plane choice, BSCALE/BZERO,
// BLANK and NaN as NaN).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace astropixel::pyramid {

class FloatRows {
 public:
  virtual ~FloatRows() = default;
  virtual std::uint32_t width() const = 0;
  virtual std::uint32_t height() const = 0;
  virtual int bands() const = 0;  // 1 (grey) or 3 (colour), interleaved
  // Rows [y, y + rows) into `out` (width × bands floats per row); blank pixels are NaN.
  // Errors: unprocessable (corrupt_image).
  virtual Status read(std::uint32_t y, std::uint32_t rows, float* out) = 0;
  // Whether rows may be read in any order at no extra cost (the statistics pass then samples
  // bands of rows instead of decoding everything). Sequential readers read top to bottom only.
  virtual bool random_access() const { return false; }
  // Rows decoded to read one row alone (a strip or a row of tiles), for random-access readers.
  virtual std::uint32_t rows_per_read() const { return 1; }
  // Whether the data can hold blank pixels (NaN, or FITS BLANK) at all.
  virtual bool may_hold_blanks() const { return true; }
};

struct FitsSelection {
  int hdu = -1;   // 0-based HDU number; -1 = the first HDU holding an image
  int plane = 0;  // 0-based plane of a data cube
};

// One HDU of a FITS file, as the HDU list of the upload form and the dataset shows it.
struct FitsHdu {
  int index = 0;     // 0-based
  std::string kind;  // "image", "header_only", "binary_table", "ascii_table", "random_groups"
  std::string extname;
  int bitpix = 0;
  std::vector<std::int64_t> axes;  // NAXISn of an image (for tables: rows and row bytes)
  bool tile_compressed = false;
  bool displayable = false;  // an image with at least two axes, none of them empty
};

// What the file holds and which image is shown: the chosen HDU (the first displayable one unless
// one is named), its size and planes (the product of the axes past the second: 1 for degenerate
// axes such as NAXIS = 4 with NAXIS3 = NAXIS4 = 1), and what astronomers look for in its header.
struct FitsDescription {
  std::vector<FitsHdu> hdus;
  int hdu = -1;
  std::uint32_t width = 0, height = 0;
  std::int64_t planes = 1;
  int plane = 0;
  int bitpix = 0;
  std::vector<std::pair<std::string, std::string>> keywords;  // OBJECT, TELESCOP, ... when present
  std::string primary_header, image_header;                   // 80-column cards, one per line
};

// Errors: unprocessable — no_image_hdu (the message names the HDUs found), random_groups_unsupported,
// bad_hdu, bad_plane, corrupt_image.
Result<FitsDescription> describe_fits(std::filesystem::path const& path, FitsSelection const& selection);

// The description as the pack's and the dataset's "fits" JSON (headers included).
std::string to_json(FitsDescription const& d);

// Errors: as describe_fits.
Result<std::unique_ptr<FloatRows>> open_fits_rows(std::filesystem::path const& path,
                                                  FitsSelection const& selection);

// 16-bit integer and 32-bit float TIFF/BigTIFF (contiguous grey or RGB(A), striped or tiled, any
// compression libtiff decodes) read straight through libtiff; nullptr for anything else (the caller
// falls back to libvips).
std::unique_ptr<FloatRows> open_tiff_float_rows(std::filesystem::path const& path);

}  // namespace astropixel::pyramid
