#include "tiles/iiif.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>
#include <tuple>
#include <vector>

#include "core/error_catalogue.hpp"

namespace astropixel::tiles::iiif {
namespace {

Error not_precut(std::string detail) {
  Error e = make_error(ErrorCode::bad_request, "This IIIF request cannot be answered from pre-cut tiles",
                       std::move(detail));
  e.reason = errc::iiif_not_precut.code;
  return e;
}

Error tile_not_found() {
  return make_error(ErrorCode::not_found, "Tile not found");
}

std::optional<std::uint64_t> number(std::string_view s) {
  std::uint64_t v = 0;
  if (s.empty() || s.size() > 12) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

std::uint64_t scale_of(pyramid::Geometry const& g, int level) {
  return std::uint64_t{1} << (g.max_level() - level);
}

// "max", "w,", ",h" or "w,h" against the size a tile has at its level.
bool size_matches(std::string_view size, std::uint32_t w, std::uint32_t h, bool at_full_resolution) {
  if (size == "max") return at_full_resolution;
  auto parts = split(size, ',');
  if (parts.size() != 2 || (parts[0].empty() && parts[1].empty())) return false;
  if (!parts[0].empty() && number(parts[0]) != std::optional<std::uint64_t>(w)) return false;
  if (!parts[1].empty() && number(parts[1]) != std::optional<std::uint64_t>(h)) return false;
  return true;
}

}  // namespace

std::string info_json(pyramid::Geometry const& g, std::string_view format, std::string_view id) {
  boost::json::array factors, sizes;
  for (int l = g.max_level(); l >= g.single_tile_level(); --l) factors.push_back(scale_of(g, l));
  // Whole-image sizes a client can ask for with region "full": the levels that are one tile.
  for (int l = g.single_tile_level(); l >= 0 && g.level_width(l) >= 16 && g.level_height(l) >= 16; --l) {
    sizes.insert(sizes.begin(),
                 boost::json::object{{"width", g.level_width(l)}, {"height", g.level_height(l)}});
  }
  boost::json::object info{{"@context", "http://iiif.io/api/image/3/context.json"},
                           {"id", id},
                           {"type", "ImageService3"},
                           {"protocol", "http://iiif.io/api/image"},
                           {"profile", "level2"},
                           {"width", g.width()},
                           {"height", g.height()},
                           {"maxWidth", kLimits.max_width},
                           {"maxHeight", kLimits.max_height},
                           {"maxArea", kLimits.max_area},
                           {"tiles", boost::json::array{boost::json::object{{"width", g.tile_size()},
                                                                            {"scaleFactors", factors}}}}};
  if (!sizes.empty()) info["sizes"] = sizes;
  // Exactly what is answered beyond level 2 (which brings jpg and png).
  if (format != "jpg") info["preferredFormats"] = boost::json::array{format};
  info["extraFormats"] = boost::json::array{"webp", "tif"};
  info["extraQualities"] = boost::json::array{"color", "gray", "bitonal"};
  info["extraFeatures"] = boost::json::array{"mirroring", "regionSquare", "rotationArbitrary",
                                             "sizeUpscaling", "profileLinkHeader"};
  return boost::json::serialize(info);
}

Result<TileAddress> precut_tile(pyramid::Geometry const& g, std::string_view format, std::string_view region,
                                std::string_view size, std::string_view rotation, std::string_view quality,
                                std::string_view requested_format) {
  if (rotation != "0") return not_precut("rotation must be 0");
  if (quality != "default" && quality != "color") return not_precut("quality must be default");
  if (requested_format != format) return tile_not_found();
  auto T = std::uint64_t{g.tile_size()};
  if (region == "full") {
    for (int l = g.max_level(); l >= 0; --l) {
      if (g.level_width(l) > T || g.level_height(l) > T) continue;
      if (size_matches(size, g.level_width(l), g.level_height(l), l == g.max_level()))
        return TileAddress{l, 0, 0};
    }
    return not_precut("no single-tile level has that size; see sizes in info.json");
  }
  auto xywh = split(region, ',');
  if (xywh.size() != 4) return not_precut("region must be full or x,y,w,h");
  std::optional<std::uint64_t> v[4];
  for (int i = 0; i < 4; ++i) {
    v[i] = number(xywh[static_cast<std::size_t>(i)]);
    if (!v[i]) return make_error(ErrorCode::bad_request, "Malformed IIIF region", std::string(region));
  }
  auto [x, y, w, h] = std::tuple{*v[0], *v[1], *v[2], *v[3]};
  if (w == 0 || h == 0 || x >= g.width() || y >= g.height())
    return make_error(ErrorCode::bad_request, "IIIF region outside the image", std::string(region));
  for (int l = g.max_level(); l >= g.single_tile_level() && l >= 0; --l) {
    auto s = scale_of(g, l), span = T * s;
    if (x % span || y % span) continue;
    if (w != std::min<std::uint64_t>(span, g.width() - x) ||
        h != std::min<std::uint64_t>(span, g.height() - y))
      continue;
    auto col = static_cast<std::uint32_t>(x / span), row = static_cast<std::uint32_t>(y / span);
    if (col >= g.cols(l) || row >= g.rows(l)) continue;
    auto rect = g.tile(l, col, row);
    if (size_matches(size, rect.width, rect.height, s == 1)) return TileAddress{l, col, row};
  }
  return not_precut("region and size do not match a tile; see tiles in info.json");
}

std::pair<std::string, std::optional<std::int64_t>> split_identifier(std::string_view ident) {
  auto dash = ident.rfind("-v");
  if (dash != std::string_view::npos && dash + 2 < ident.size()) {
    std::int64_t v = 0;
    auto digits = ident.substr(dash + 2);
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec == std::errc() && p == digits.data() + digits.size())
      return {std::string(ident.substr(0, dash)), v};
  }
  return {std::string(ident), std::nullopt};
}

bool is_safe_identifier(std::string_view ident) {
  bool valid = !ident.empty() && ident.size() <= 64;
  for (char c : ident) {
    valid = valid && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      c == '-' || c == '_');
  }
  return valid;
}

std::string client_url(std::string_view dataset_id, int version) {
  return fmt::format("/iiif/3/{}-v{}/info.json", dataset_id, version);
}

}  // namespace astropixel::tiles::iiif
