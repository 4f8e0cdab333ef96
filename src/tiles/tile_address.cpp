#include "tiles/tile_address.hpp"

namespace astropixel::tiles {

std::string_view content_type_of(std::string_view format) {
  if (format == "png") return "image/png";
  if (format == "webp") return "image/webp";
  return "image/jpeg";
}

}  // namespace astropixel::tiles
