#include "tiles/jpeg_part.hpp"

// clang-format off: jpeglib.h needs the declarations of <cstdio> before it.
#include <jpeglib.h>

#include <cstdio>
// clang-format on

#include <algorithm>
#include <csetjmp>
#include <cstring>
#include <string>
#include <vector>

namespace astropixel::tiles {

namespace {

// libjpeg reports a fatal error by calling error_exit, which must not return: it jumps back to
// decode() with the message kept. Warnings (a truncated stream) are ignored, so what is there is
// decoded, and nothing is printed to stderr.
struct Errors {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void on_error(j_common_ptr c) {
  auto* e = reinterpret_cast<Errors*>(c->err);
  (*c->err->format_message)(c, e->message);
  std::longjmp(e->jump, 1);
}

void on_message(j_common_ptr, int) {}

enum class Outcome { decoded, refused, failed };

// Only trivially destructible state lives in this frame: longjmp skips destructors.
Outcome decode(jpeg_decompress_struct* cinfo, Errors* errors, unsigned char const* data, std::size_t size,
               int bands, unsigned x0, unsigned y0, unsigned x1, unsigned y1, unsigned char* out,
               std::size_t out_stride, unsigned char* row, std::size_t row_capacity) {
  if (setjmp(errors->jump)) return Outcome::failed;
  jpeg_mem_src(cinfo, data, static_cast<unsigned long>(size));
  if (jpeg_read_header(cinfo, TRUE) != JPEG_HEADER_OK) return Outcome::refused;
  if (cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK) return Outcome::refused;
  if (x1 > cinfo->image_width || y1 > cinfo->image_height ||
      static_cast<std::size_t>(cinfo->image_width) * bands > row_capacity)
    return Outcome::refused;
  cinfo->out_color_space = bands == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_start_decompress(cinfo);
  // The crop widens to whole block columns: xoffset moves left to one, width grows to cover the
  // right edge. One more pixel each side: chroma upsampling gets a crop's outermost columns wrong (it
  // has no neighbour there), so they must lie outside the part. And at least 4 pixels: a crop 2
  // pixels wide (one chroma sample) upsamples its first column differently from the whole decoding
  // (a part 1 pixel wide at a tile's left edge was up to 4 levels off).
  JDIMENSION xoffset = x0 > 0 ? x0 - 1 : 0;
  JDIMENSION width =
      std::min(std::max(x1 + 1, xoffset + 4), static_cast<unsigned>(cinfo->output_width)) - xoffset;
  if (width < cinfo->output_width) jpeg_crop_scanline(cinfo, &xoffset, &width);
  if (y0 > 0 && jpeg_skip_scanlines(cinfo, y0) != y0) return Outcome::failed;
  // Whole rows go straight into `out`; a crop's rows (wider than the part) through `row`, the part
  // copied out of it.
  bool const in_place = xoffset == x0 && xoffset + width == x1;
  for (unsigned y = y0; y < y1; ++y) {
    unsigned char* dst = out + static_cast<std::size_t>(y - y0) * out_stride;
    JSAMPROW rows[1] = {in_place ? dst : row};
    if (jpeg_read_scanlines(cinfo, rows, 1) != 1) return Outcome::failed;
    if (!in_place)
      std::memcpy(dst, row + static_cast<std::size_t>(x0 - xoffset) * bands,
                  static_cast<std::size_t>(x1 - x0) * bands);
  }
  return Outcome::decoded;
}

}  // namespace

Status decode_jpeg_part(std::span<unsigned char const> jpeg, int bands, unsigned x0, unsigned y0, unsigned x1,
                        unsigned y1, unsigned char* out, std::size_t out_stride) {
  if ((bands != 1 && bands != 3) || x0 >= x1 || y0 >= y1)
    return make_error(ErrorCode::unprocessable, "Not a part of a JPEG this can decode");
  Errors errors{};
  jpeg_decompress_struct cinfo{};
  cinfo.err = jpeg_std_error(&errors.mgr);
  errors.mgr.error_exit = on_error;
  errors.mgr.emit_message = on_message;
  jpeg_create_decompress(&cinfo);
  // A tile is at most a few thousand pixels wide: one row of them, whatever the crop.
  std::vector<unsigned char> row(static_cast<std::size_t>(std::max(x1, 1u << 14)) * bands);
  auto outcome = decode(&cinfo, &errors, jpeg.data(), jpeg.size(), bands, x0, y0, x1, y1, out, out_stride,
                        row.data(), row.size());
  // Abandons the rest of the stream unread (and is safe after an error).
  jpeg_destroy_decompress(&cinfo);
  if (outcome == Outcome::refused)
    return make_error(ErrorCode::unprocessable, "Not a part of a JPEG this can decode");
  if (outcome == Outcome::failed)
    return make_error(ErrorCode::internal, "The image could not be rendered", std::string(errors.message));
  return {};
}

}  // namespace astropixel::tiles
