#include "tiles/deep_zoom.hpp"

#include <fmt/format.h>

namespace astropixel::tiles::deep_zoom {

std::string dzi_xml(pyramid::Geometry const& g, std::string_view format) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Image xmlns=\"http://schemas.microsoft.com/deepzoom/2008\" Format=\"{}\" Overlap=\"0\" "
      "TileSize=\"{}\">"
      "<Size Width=\"{}\" Height=\"{}\"/></Image>\n",
      format, g.tile_size(), g.width(), g.height());
}

Result<TileAddress> tile(pyramid::Geometry const& g, std::int64_t level, std::int64_t col, std::int64_t row) {
  if (level < 0 || level > g.max_level() || col < 0 || row < 0 || col >= g.cols(static_cast<int>(level)) ||
      row >= g.rows(static_cast<int>(level)))
    return make_error(ErrorCode::not_found, "Tile not found");
  return TileAddress{static_cast<int>(level), static_cast<std::uint32_t>(col),
                     static_cast<std::uint32_t>(row)};
}

std::string client_url(std::string_view dataset_id, int version) {
  return fmt::format("/api/datasets/{}/v{}/image.dzi", dataset_id, version);
}

}  // namespace astropixel::tiles::deep_zoom
