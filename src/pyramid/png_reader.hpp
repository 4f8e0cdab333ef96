#pragma once
// The PNG fast path: 8-bit non-interlaced grey, grey+alpha, RGB and RGBA PNGs read row by row with
// libspng, ~15 % faster than libpng (which libvips' loader uses) on this machine, and with no
// pipeline around it (docs/adr/0033-pyramid-build-floors.md). It gives the file's own samples, as
// libvips' loader does for these files; anything that loader would transform (palette, tRNS, 16-bit,
// fewer than 8 bits, an ICC profile to colour-manage) goes through libvips as before.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "core/error.hpp"

struct spng_ctx;

namespace astropixel::pyramid {

class PngReader {
 public:
  // nullptr when the file is not a PNG this reader handles (the caller falls back to libvips).
  static std::unique_ptr<PngReader> open(std::filesystem::path const& path);
  ~PngReader();
  PngReader(PngReader const&) = delete;
  PngReader& operator=(PngReader const&) = delete;

  std::uint32_t width() const { return width_; }
  std::uint32_t height() const { return height_; }
  int bands() const { return bands_; }
  // The next `rows` rows, top to bottom (width × bands bytes each). Errors: unprocessable
  // (corrupt_image: truncated or damaged data, bad checksums).
  Status read_rows(std::uint32_t rows, unsigned char* out);

 private:
  PngReader() = default;
  std::FILE* file_ = nullptr;
  spng_ctx* ctx_ = nullptr;
  std::uint32_t width_ = 0, height_ = 0, next_row_ = 0;
  int bands_ = 0;
};

}  // namespace astropixel::pyramid
