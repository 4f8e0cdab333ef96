#include "tiles/xyz.hpp"

#include <fmt/format.h>

#include <charconv>

#include "tiles/deep_zoom.hpp"

namespace astropixel::tiles::xyz {

Result<TileAddress> tile(pyramid::Geometry const& g, std::int64_t z, std::int64_t x, std::int64_t y) {
  if (z < 0 || z > g.max_zoom()) return make_error(ErrorCode::not_found, "Tile not found");
  return deep_zoom::tile(g, g.level_of_zoom(static_cast<int>(z)), x, y);
}

Result<std::optional<std::int64_t>> version(std::optional<std::string_view> v) {
  if (!v) return std::optional<std::int64_t>{};
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size()) return make_error(ErrorCode::not_found, "Not found");
  return std::optional<std::int64_t>{n};
}

std::string client_url(std::string_view dataset_id, int version, std::string_view format) {
  return fmt::format("/api/tiles/{}/{{z}}/{{x}}/{{y}}.{}?v={}", dataset_id, format, version);
}

}  // namespace astropixel::tiles::xyz
