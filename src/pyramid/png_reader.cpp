#include "pyramid/png_reader.hpp"

#include <spng.h>

#include <string>

#include "core/error_catalogue.hpp"

namespace astropixel::pyramid {

namespace {

Error corrupt(std::string detail) {
  Error e = make_error(ErrorCode::unprocessable, "The image is corrupt or truncated", std::move(detail));
  e.reason = errc::corrupt_image.code;
  return e;
}

// Ancillary chunks are only read to decide whether this path applies; a file with huge ones is
// hostile or odd, and libvips' loader (with its own limits) gets it.
constexpr std::size_t kMaxChunkBytes = 8u << 20;
constexpr std::size_t kMaxCachedBytes = 64u << 20;

}  // namespace

PngReader::~PngReader() {
  if (ctx_) spng_ctx_free(ctx_);
  if (file_) std::fclose(file_);
}

std::unique_ptr<PngReader> PngReader::open(std::filesystem::path const& path) {
  std::unique_ptr<PngReader> r(new PngReader());
  r->file_ = std::fopen(path.c_str(), "rb");
  if (!r->file_) return nullptr;
  // A bigger stdio buffer: fewer read calls under the inflater (the file is read once, in order).
  std::setvbuf(r->file_, nullptr, _IOFBF, 1u << 20);
  r->ctx_ = spng_ctx_new(0);
  if (!r->ctx_ || spng_set_png_file(r->ctx_, r->file_) != 0 ||
      spng_set_chunk_limits(r->ctx_, kMaxChunkBytes, kMaxCachedBytes) != 0)
    return nullptr;
  spng_ihdr ihdr{};
  if (spng_get_ihdr(r->ctx_, &ihdr) != 0 || ihdr.bit_depth != 8 || ihdr.interlace_method != 0) return nullptr;
  switch (ihdr.color_type) {
    case SPNG_COLOR_TYPE_GRAYSCALE:
      r->bands_ = 1;
      break;
    case SPNG_COLOR_TYPE_GRAYSCALE_ALPHA:
      r->bands_ = 2;
      break;
    case SPNG_COLOR_TYPE_TRUECOLOR:
      r->bands_ = 3;
      break;
    case SPNG_COLOR_TYPE_TRUECOLOR_ALPHA:
      r->bands_ = 4;
      break;
    default:  // palette: libvips expands it
      return nullptr;
  }
  // tRNS adds an alpha band in libvips' loader; an ICC profile is colour-managed by the caller.
  spng_trns trns{};
  spng_iccp iccp{};
  if (spng_get_trns(r->ctx_, &trns) != SPNG_ECHUNKAVAIL || spng_get_iccp(r->ctx_, &iccp) != SPNG_ECHUNKAVAIL)
    return nullptr;
  if (spng_decode_image(r->ctx_, nullptr, 0, SPNG_FMT_PNG, SPNG_DECODE_PROGRESSIVE) != 0) return nullptr;
  r->width_ = ihdr.width;
  r->height_ = ihdr.height;
  return r;
}

Status PngReader::read_rows(std::uint32_t rows, unsigned char* out) {
  std::size_t const row_bytes = static_cast<std::size_t>(width_) * static_cast<std::size_t>(bands_);
  for (std::uint32_t r = 0; r < rows; ++r, ++next_row_) {
    if (next_row_ >= height_) return corrupt("read past the image's last row");
    int e = spng_decode_row(ctx_, out + r * row_bytes, row_bytes);
    // SPNG_EOI comes with the last row.
    if (e != 0 && !(e == SPNG_EOI && next_row_ + 1 == height_)) return corrupt(spng_strerror(e));
  }
  return {};
}

}  // namespace astropixel::pyramid
