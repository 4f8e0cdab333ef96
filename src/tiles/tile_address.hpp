#pragma once
// What every tile protocol resolves a request to: one pre-cut tile of the pyramid, by Deep Zoom
// level, column and row.
#include <cstdint>
#include <string_view>

namespace astropixel::tiles {

struct TileAddress {
  int level = 0;  // Deep Zoom level
  std::uint32_t col = 0, row = 0;
};

// The MIME type of a pyramid's tile format ("jpg", "png", "webp").
std::string_view content_type_of(std::string_view format);

}  // namespace astropixel::tiles
