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
// `margin`: pixels before and after each row's part that may be overwritten. libjpeg writes whole
// block columns, up to kJpegBlockSpill pixels left of x0 and 3 right of x1: with that much margin
// the rows are decoded in place, else into a row of their own and copied (which was 17 % of an
// uncached IIIF render's CPU). Errors: unprocessable (a part outside the image, more than 16384
// pixels wide, CMYK), internal (not a JPEG, or a damaged stream).
inline constexpr std::size_t kJpegBlockSpill = 33;
Status decode_jpeg_part(std::span<unsigned char const> jpeg, int bands, unsigned x0, unsigned y0, unsigned x1,
                        unsigned y1, unsigned char* out, std::size_t out_stride, std::size_t margin = 0);

}  // namespace astropixel::tiles
