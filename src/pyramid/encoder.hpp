#pragma once
// Encodes one tile of 8-bit pixels (1 = grey, 2 = grey+alpha, 3 = RGB, 4 = RGBA bands). One encoder
// per thread: it keeps its TurboJPEG handle and output buffer between tiles.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace astropixel::pyramid {

enum class TileFormat { jpeg, png, webp };
// "jpg"/"jpeg", "png", "webp". Errors: validation.
Result<TileFormat> parse_tile_format(std::string_view name);
std::string_view extension(TileFormat f);
std::string_view mime_type(TileFormat f);

struct PixelView {
  unsigned char const* data = nullptr;
  int width = 0, height = 0, bands = 0;
  std::size_t stride = 0;  // bytes per row
};

class TileEncoder {
 public:
  TileEncoder(TileFormat format, int quality);
  ~TileEncoder();
  TileEncoder(TileEncoder const&) = delete;
  TileEncoder& operator=(TileEncoder const&) = delete;

  // JPEG has no alpha: transparent pixels become black. Errors: internal.
  Status encode(PixelView const& px, std::vector<unsigned char>& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace astropixel::pyramid
