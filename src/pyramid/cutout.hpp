#pragma once
// Cut-outs (docs/adr/0027-cutouts.md): a rectangle of a pyramid's full resolution as one file.
// PNG and TIFF hold the display pixels (the top level's tiles, composed across tile boundaries, 8-bit
// grey or RGB with alpha as the pyramid holds them); FITS holds the original values of the data pyramid
// as BITPIX -32 (NaN for blanks) under the source's header, its WCS moved to the rectangle. One row of
// tiles is decoded at a time and its rows are written out before the next: memory holds at most the
// rectangle's width × one tile's height of pixels, never the rectangle.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "pyramid/pack.hpp"

namespace astropixel::pyramid {

enum class CutoutFormat { png, tiff, fits };

// "png", "tiff" (or "tif"), "fits". Errors: validation (field "format").
Result<CutoutFormat> parse_cutout_format(std::string_view name);
std::string_view extension(CutoutFormat f);
std::string_view media_type(CutoutFormat f);

// Full-resolution pixels, x right and y down from the top-left, 0-based; inside the image.
struct CutoutRect {
  std::uint32_t x = 0, y = 0, width = 0, height = 0;
};

// Writes the cut-out to `fd` (a regular file: TIFF and FITS seek in it), from its start.
// `history` goes into FITS as HISTORY (where the cut-out came from). Blocking: decodes tiles and
// may read them from an object store. Errors: no_data_pyramid (FITS of a pack without original
// values); not_found (a tile missing); corrupt_pack; internal (decoding, encoding or writing failed).
Status write_cutout(PackReader const& pack, CutoutRect const& rect, CutoutFormat format, int fd,
                    std::string_view history = {});

// The FITS header of a cut-out (whole 2880-byte blocks, END included): SIMPLE, BITPIX -32, NAXIS 2
// and the rectangle's size, then the source's own cards from the pack's metadata ("fits": the image
// HDU's header, and from the primary the keywords the viewer shows that the image HDU lacks),
// without those that describe the stored array (BITPIX, NAXISn, BSCALE, BZERO, BLANK, tile
// compression, checksums, DATAMIN/MAX) or axes past the second, and with CRPIXn (every alternate
// WCS) and LTVn shifted so each pixel keeps its sky position: FITS counts from 1 at the bottom-left.
std::string cutout_fits_header(std::string_view metadata_json, CutoutRect const& rect,
                               std::uint32_t image_height, std::string_view history);

}  // namespace astropixel::pyramid
