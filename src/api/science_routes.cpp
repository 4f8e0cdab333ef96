#include "api/science_routes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <memory>

#include "api/data_view.hpp"
#include "api/endpoint.hpp"
#include "api/live_tile_cache.hpp"
#include "api/query_params.hpp"
#include "core/error_catalogue.hpp"
#include "pyramid/data_tile.hpp"
#include "pyramid/encoder.hpp"
#include "pyramid/stretch.hpp"
#include "tiles/tile_service.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
using tiles::View;

namespace {

Error not_found() {
  return make_error(ErrorCode::not_found, "Not found");
}

// The pack's "data_stats" (pyramid/stretch_statistics.hpp), written by the build; packs built before
// they existed have none. Errors: no_data_statistics.
Result<boost::json::object> stored_statistics(pyramid::PackReader const& pack) {
  boost::system::error_code ec;
  auto meta = boost::json::parse(pack.info().metadata_json, ec);
  if (!ec && meta.is_object()) {
    if (auto const* stats = meta.as_object().if_contains("data_stats"); stats && stats->is_object())
      return stats->as_object();
  }
  return make_error(errc::no_data_statistics, "This pyramid was built before data statistics were stored",
                    "Reprocess the dataset to store them");
}

// histeq follows the stored distribution, the one the build equalised with.
Result<std::vector<double>> stored_quantiles(pyramid::PackReader const& pack) {
  auto stats = stored_statistics(pack);
  if (!stats) return stats.error();
  std::vector<double> out;
  if (auto const* q = stats->if_contains("quantiles"); q && q->is_array()) {
    for (auto const& x : q->as_array()) {
      if (!x.is_number()) break;
      out.push_back(x.to_number<double>());
    }
  }
  if (out.size() < 2 || !std::is_sorted(out.begin(), out.end())) return make_error(errc::no_data_statistics);
  return out;
}

// GET …/live/{level}/{col}_{row}.png?stretch=&lo=&hi=&cmap=
Result<Answer> live_tile(Call& call, tiles::TileDirectory& directory, LiveTileCache& cache) {
  auto v = resolve_data_view(directory, call);
  if (!v) return v.error();
  auto kind = pyramid::parse_stretch(call.query("stretch").value_or("linear"));
  if (!kind) return kind.error();
  auto colormap = pyramid::parse_colormap(call.query("cmap").value_or("grey"));
  if (!colormap) return colormap.error();
  auto lo = query_number(call, "lo", errc::invalid_cuts);
  if (!lo) return lo.error();
  auto hi = query_number(call, "hi", errc::invalid_cuts);
  if (!hi) return hi.error();
  // hi - lo must be a finite number too: cuts at ±1e308 overflow the mapping's scale.
  if (!(*lo < *hi) || !std::isfinite(*hi - *lo)) {
    Error e = make_error(errc::invalid_cuts, "lo must be below hi, and hi - lo finite");
    e.field = "hi";
    return e;
  }
  auto const& pack = v->pack();
  auto const& g = pack.geometry();
  auto level = call.request.param_int("level"), col = call.request.param_int("col"),
       row = call.request.param_int("row");
  if (level < 0 || level > g.max_level() || col < 0 || row < 0 || col >= g.cols(static_cast<int>(level)) ||
      row >= g.rows(static_cast<int>(level))) {
    return not_found();
  }
  auto l = static_cast<int>(level);
  auto c = static_cast<std::uint32_t>(col), r = static_cast<std::uint32_t>(row);

  // The settings as the URL carries them, normalised: equal settings share one entry and one ETag.
  auto settings = fmt::format("{}:{}:{}:{}", pyramid::to_string(*kind), *lo, *hi, colormap->name());
  http::Response res;
  auto what = fmt::format("live:{}/{}/{}:{}", l, c, r, settings);
  if (tiles::TileService::not_modified(call.request, res, *v, what)) return Answer::of(res);
  auto key = fmt::format("{}/{}/{}", v->entry->dataset_id, v->entry->version, what);
  auto png = cache.get(key);
  if (!png) {
    auto bytes = pack.data_tile(l, c, r);
    if (!bytes) return bytes.error();
    auto rect = g.tile(l, c, r);
    auto values = pyramid::decode_data_tile(*bytes, rect.width, rect.height);
    if (!values) return values.error();
    // The build's own mapping (Stretch::map through its table), so a full-resolution live tile
    // equals the CLI's tile for the same stretch and cuts, pixel for pixel.
    pyramid::StretchOptions options;
    options.kind = *kind;
    options.cuts = std::pair{*lo, *hi};
    options.colormap = *colormap;
    if (*kind == pyramid::StretchKind::histeq) {
      auto quantiles = stored_quantiles(pack);
      if (!quantiles) return quantiles.error();
      options.quantiles = std::move(*quantiles);
    }
    std::vector<float> sample{static_cast<float>(*lo)};
    auto stretch = pyramid::Stretch::fit(sample, options);
    if (!stretch) return stretch.error();
    bool blanks = std::any_of(values->begin(), values->end(), [](float f) { return !std::isfinite(f); });
    std::vector<unsigned char> pixels;
    int bands = pyramid::map_values(*values, *stretch, blanks, pixels);
    pyramid::TileEncoder encoder(pyramid::TileFormat::png, 0);
    std::vector<unsigned char> out;
    pyramid::PixelView px{pixels.data(), static_cast<int>(rect.width), static_cast<int>(rect.height), bands,
                          static_cast<std::size_t>(rect.width) * bands};
    if (auto s = encoder.encode(px, out); !s) return s.error();
    png = std::make_shared<std::string const>(out.begin(), out.end());
    cache.put(key, png);
  }
  res.shared = http::SharedBytes{png, std::string_view(*png)};
  res.headers.set(bhttp::field::content_type, "image/png");
  return Answer::of(std::move(res));
}

// GET /api/datasets/{id}[/v{version}]/histogram: the stored statistics for the display controls
// (extremes, preset percentiles, zscale cuts, the histogram of the values), without the quantiles
// only the server's histeq needs.
Result<Answer> histogram(Call& call, tiles::TileDirectory& directory) {
  auto v = resolve_data_view(directory, call);
  if (!v) return v.error();
  auto stats = stored_statistics(v->pack());
  if (!stats) return stats.error();
  http::Response res;
  if (tiles::TileService::not_modified(call.request, res, *v, "histogram")) return Answer::of(res);
  auto out = std::move(*stats);
  out.erase("quantiles");
  boost::system::error_code ec;
  auto meta = boost::json::parse(v->pack().info().metadata_json, ec);
  auto bunit = bunit_of(v->pack());
  out["bunit"] = bunit ? boost::json::value(*bunit) : boost::json::value(nullptr);
  // The cuts and stretch the published tiles were built with.
  if (auto const* fitted = ec || !meta.is_object() ? nullptr : meta.as_object().if_contains("stretch"))
    out["built"] = *fitted;
  out["version"] = v->entry->version;
  res.headers.set(bhttp::field::content_type, "application/json");
  res.body = boost::json::serialize(out);
  return Answer::of(std::move(res));
}

// GET /api/datasets/{id}/pixels?x=&y=&size=5: the original values of a size × size window centred
// on a full-resolution pixel (x right, y down from the top-left, 0-based, as the viewer counts).
Result<Answer> pixels(Call& call, tiles::TileDirectory& directory) {
  auto v = resolve_data_view(directory, call);
  if (!v) return v.error();
  auto const& pack = v->pack();
  auto const& g = pack.geometry();
  auto size = query_int(call, "size", 5, 1, 21);
  if (!size) return size.error();
  if (*size % 2 == 0) {
    Error e = make_error(ErrorCode::validation, "size must be odd (the window is centred on the pixel)");
    e.field = "size";
    return e;
  }
  auto x = query_int(call, "x", std::nullopt, INT32_MIN, INT32_MAX);
  if (!x) return x.error();
  auto y = query_int(call, "y", std::nullopt, INT32_MIN, INT32_MAX);
  if (!y) return y.error();
  std::int64_t const w = g.width(), h = g.height();
  if (*x < 0 || *y < 0 || *x >= w || *y >= h) {
    return make_error(errc::pixel_outside_image, fmt::format("The image is {} × {} pixels", w, h));
  }
  int const top = g.max_level();
  std::int64_t const ts = g.tile_size(), half = *size / 2;
  // At most four data tiles hold the window (it is never wider than a tile); each decoded once.
  auto read = full_resolution_values(*v);
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::shared_ptr<std::vector<float> const>> decoded;
  auto value_at = [&](std::int64_t px, std::int64_t py) -> Result<boost::json::value> {
    if (px < 0 || py < 0 || px >= w || py >= h) return boost::json::value(nullptr);
    auto c = static_cast<std::uint32_t>(px / ts), r = static_cast<std::uint32_t>(py / ts);
    auto it = decoded.find({c, r});
    if (it == decoded.end()) {
      auto values = read(c, r);
      if (!values) return values.error();
      it = decoded.emplace(std::pair{c, r}, std::move(*values)).first;
    }
    auto rect = g.tile(top, c, r);
    float f = (*it->second)[static_cast<std::size_t>(py - rect.y) * rect.width +
                            static_cast<std::size_t>(px - rect.x)];
    // JSON has no NaN: blank pixels are null, like pixels outside the image.
    return std::isfinite(f) ? boost::json::value(static_cast<double>(f)) : boost::json::value(nullptr);
  };
  boost::json::array rows;
  for (std::int64_t dy = -half; dy <= half; ++dy) {
    boost::json::array row;
    for (std::int64_t dx = -half; dx <= half; ++dx) {
      auto value = value_at(*x + dx, *y + dy);
      if (!value) return value.error();
      row.push_back(std::move(*value));
    }
    rows.push_back(std::move(row));
  }
  boost::system::error_code ec;
  auto meta = boost::json::parse(pack.info().metadata_json, ec);
  auto bunit = bunit_of(pack);
  auto centre = rows[static_cast<std::size_t>(half)].as_array()[static_cast<std::size_t>(half)];
  boost::json::object out{{"x", *x},
                          {"y", *y},
                          {"size", *size},
                          {"width", w},
                          {"height", h},
                          {"version", v->entry->version},
                          {"dtype", "float32"},
                          {"bunit", bunit ? boost::json::value(*bunit) : boost::json::value(nullptr)},
                          {"value", centre},
                          {"values", std::move(rows)}};
  bool const is_fits = !ec && meta.is_object() && meta.as_object().if_contains("fits") &&
                       !meta.as_object().at("fits").is_null();
  // FITS counts pixels from 1 at the bottom-left: what DS9 shows for the same pixel.
  if (is_fits) out["fits_pixel"] = {{"x", *x + 1}, {"y", h - *y}};
  return Answer::ok(std::move(out));
}

}  // namespace

void add_science_routes(http::Router& router, Authenticator& authn, tiles::TileDirectory& directory,
                        ScienceOptions const& options) {
  auto* dir = &directory;
  auto cache = std::make_shared<LiveTileCache>(options.live_cache_bytes);
  for (auto const* prefix : {"/api/datasets/{id}", "/api/datasets/{id}/v{version:int}"}) {
    add_endpoint(router, authn,
                 {.method = bhttp::verb::get,
                  .pattern = std::string(prefix) + "/live/{level:int}/{col:int}_{row:int}.png",
                  // Tiles come in bursts of hundreds, as for pre-cut tiles.
                  .rate_policy = "",
                  .handler = [dir, cache](Call& c) { return live_tile(c, *dir, *cache); }});
  }
  for (auto const* prefix : {"/api/datasets/{id}", "/api/datasets/{id}/v{version:int}"}) {
    add_endpoint(
        router, authn,
        {.method = bhttp::verb::get,
         .pattern = std::string(prefix) + "/histogram",
         .handler = [dir](Call& c) { return histogram(c, *dir); },
         .doc = {.summary = "Statistics of the data for the display controls",
                 .tag = "science",
                 .description = "Stored at build time: min, max, mean, std, median, the cut presets' "
                                "percentiles, zscale cuts, 256-bin histograms between min and max and "
                                "between the 0.025 and 99.975 % values; "
                                "404 no_data_pyramid, no_data_statistics (built before: reprocess)",
                 .answers = {{.status = 200,
                              .description = "The statistics",
                              .content = {{"application/json"}},
                              .headers = {"ETag", "Cache-Control"}},
                             {.status = 304, .description = "Not modified (If-None-Match)"}},
                 .errors = {404}}});
  }
  add_endpoint(router, authn,
               {.method = bhttp::verb::get,
                .pattern = "/api/datasets/{id}/pixels",
                // Asked as the pointer moves (the viewer throttles): priced like a tile, not like
                // a search.
                .rate_policy = "",
                .handler = [dir](Call& c) { return pixels(c, *dir); }});
}

}  // namespace astropixel::api
