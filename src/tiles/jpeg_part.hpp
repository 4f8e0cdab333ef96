#pragma once
// Part of a JPEG decoded, for the region renderer: a region's edge tiles are mostly outside it (on
// bench/iiif.sh's random list only 49 % of the pixels of the tiles read lie inside the regions).
// Only the rows down to the part's last are decoded (the rest of the stream is never read), rows
// above it are entropy-decoded and skipped, and of the rows kept only the block columns covering the
// part go through the inverse DCT, upsampling and colour conversion (libjpeg's jpeg_skip_scanlines
// and jpeg_crop_scanline; TurboJPEG 2.1 has no cropping). The pixels are those of decoding the whole
// image, byte for byte.
#include <cstddef>
#include <span>

#include "core/error.hpp"

namespace astropixel::tiles {

// Decodes [x0, x1) × [y0, y1) of `jpeg` (in its own pixels) as `bands` (1: grey, 3: RGB) into rows of
// `out`, `out_stride` bytes apart. A truncated or padded stream decodes what is there (as vips does).
// Whole rows are decoded in place, a crop's through a row of its own (copying every row was
// 17 % of an uncached IIIF render's CPU in perf, mostly whole rows). Errors: unprocessable (a part outside
// the image, more than 16384 pixels wide, CMYK), internal (not a JPEG, or a damaged stream).
Status decode_jpeg_part(std::span<unsigned char const> jpeg, int bands, unsigned x0, unsigned y0, unsigned x1,
                        unsigned y1, unsigned char* out, std::size_t out_stride);

}  // namespace astropixel::tiles
