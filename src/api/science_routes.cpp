#include "api/science_routes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <mutex>

#include "api/data_view.hpp"
#include "api/endpoint.hpp"
#include "api/live_tile_cache.hpp"
#include "api/query_params.hpp"
#include "core/error_catalogue.hpp"
#include "pyramid/data_tile.hpp"
#include "pyramid/encoder.hpp"
#include "pyramid/stretch.hpp"
#include "pyramid/stretch_statistics.hpp"
#include "tiles/tile_service.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
using tiles::View;

namespace {

Error not_found() {
  return make_error(ErrorCode::not_found, "Not found");
}

// Statistics of a data pyramid built before "data_stats" were stored, computed once from a sample
// of its full-resolution data tiles (every k-th tile, up to ~2 million values, as the build samples)
// and kept for the life of the process: a pack never changes, so neither do they. Bounded: at most
// kMaxEntries datasets' statistics (~30 kB each) are kept.
class StatisticsCache {
 public:
  std::shared_ptr<boost::json::object const> get(std::string const& key) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : it->second;
  }
  void put(std::string const& key, std::shared_ptr<boost::json::object const> stats) {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= kMaxEntries) entries_.erase(entries_.begin());
    entries_[key] = std::move(stats);
  }

 private:
  static constexpr std::size_t kMaxEntries = 64;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<boost::json::object const>> entries_;
};

constexpr std::size_t kSampleTarget = 2'000'000;

Result<boost::json::object> sampled_statistics(tiles::View const& view) {
  auto const& g = view.pack().geometry();
  int const top = g.max_level();
  std::uint64_t const tiles = std::uint64_t{g.cols(top)} * g.rows(top);
  std::uint64_t const per_tile = std::uint64_t{g.tile_size()} * g.tile_size();
  std::uint64_t const step =
      std::max<std::uint64_t>(1, (tiles * per_tile + kSampleTarget - 1) / kSampleTarget);
  auto read = full_resolution_values(view);
  std::vector<float> sample;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  // Every step-th tile in row-major order: with a step not a multiple of the columns, the chosen
  // tiles move across the image from one tile row to the next instead of staying in one column.
  for (std::uint64_t i = 0; i < tiles; i += step) {
    auto values =
        read(static_cast<std::uint32_t>(i % g.cols(top)), static_cast<std::uint32_t>(i / g.cols(top)));
    if (!values) return values.error();
    for (float f : **values) {
      if (!std::isfinite(f)) continue;
      sample.push_back(f);
      lo = std::min(lo, static_cast<double>(f));
      hi = std::max(hi, static_cast<double>(f));
    }
  }
  if (sample.empty()) return make_error(errc::no_data_statistics, "The image has no finite values");
  std::sort(sample.begin(), sample.end());
  auto stats = pyramid::describe_sample(sample, lo, hi, pyramid::StretchOptions{}.zscale_contrast);
  boost::system::error_code ec;
  auto json = boost::json::parse(stats.to_json(), ec);
  if (ec || !json.is_object()) return make_error(ErrorCode::internal, "Statistics did not serialise");
  auto out = std::move(json.as_object());
  // Said in the answer: the extremes are the sample's, not every value's as stored ones are.
  out["computed"] =
      fmt::format("on demand from {} of {} full-resolution data tiles", (tiles + step - 1) / step, tiles);
  return out;
}

// The pack's "data_stats" (pyramid/stretch_statistics.hpp), written by the build; for packs built
// before they existed, computed from the data pyramid (above). Errors: no_data_statistics (no finite
// value), the data tiles' read errors.
Result<boost::json::object> statistics_of(tiles::View const& view, StatisticsCache& cache) {
  auto const& pack = view.pack();
  boost::system::error_code ec;
  auto meta = boost::json::parse(pack.info().metadata_json, ec);
  if (!ec && meta.is_object()) {
    if (auto const* stats = meta.as_object().if_contains("data_stats"); stats && stats->is_object())
      return stats->as_object();
  }
  auto key = fmt::format("{}/{}", view.entry->dataset_id, view.entry->version);
  if (auto hit = cache.get(key)) return *hit;
  auto computed = sampled_statistics(view);
  if (!computed) return computed.error();
  cache.put(key, std::make_shared<boost::json::object const>(*computed));
  return computed;
}

// histeq follows the stored distribution, the one the build equalised with.
Result<std::vector<double>> stored_quantiles(tiles::View const& view, StatisticsCache& cache) {
  auto stats = statistics_of(view, cache);
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
Result<Answer> live_tile(Call& call, tiles::TileDirectory& directory, LiveTileCache& cache,
                         StatisticsCache& statistics) {
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
      auto quantiles = stored_quantiles(*v, statistics);
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
Result<Answer> histogram(Call& call, tiles::TileDirectory& directory, StatisticsCache& statistics) {
  auto v = resolve_data_view(directory, call);
  if (!v) return v.error();
  http::Response res;
  if (tiles::TileService::not_modified(call.request, res, *v, "histogram")) return Answer::of(res);
  auto stats = statistics_of(*v, statistics);
  if (!stats) return stats.error();
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

// The names of the bands an image's kept values have (ADR 0031), as the viewer labels them.
boost::json::array band_names(int bands) {
  switch (bands) {
    case 1:
      return {"grey"};
    case 2:
      return {"grey", "alpha"};
    case 3:
      return {"R", "G", "B"};
    default:
      return {"R", "G", "B", "A"};
  }
}

// GET /api/datasets/{id}/pixels?x=&y=&size=5: the original values of a size × size window centred
// on a full-resolution pixel (x right, y down from the top-left, 0-based, as the viewer counts): from
// the data pyramid for mono data, from the kept full-resolution band values for colour and 8-bit
// images (each value then an array, one per band).
Result<Answer> pixels(Call& call, tiles::TileDirectory& directory) {
  auto v = resolve_call_view(directory, call);
  if (!v) return v.error();
  auto const& pack = v->pack();
  bool const data = pack.has_data();
  int const bands = data ? 1 : pack.value_bands();
  if (bands == 0) return make_error(errc::no_data_pyramid);
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
  // At most four tiles hold the window (it is never wider than a tile); each decoded once.
  auto read_data = full_resolution_values(*v);
  auto read = [&](std::uint32_t c, std::uint32_t r) -> Result<std::shared_ptr<std::vector<float> const>> {
    if (data) return read_data(c, r);
    auto bytes = pack.value_tile(c, r);
    if (!bytes) return bytes.error();
    auto rect = g.tile(top, c, r);
    auto values = pyramid::decode_value_tile(pack.value_encoding(), *bytes, rect.width, rect.height, bands);
    if (!values) return values.error();
    return std::make_shared<std::vector<float> const>(std::move(*values));
  };
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::shared_ptr<std::vector<float> const>> decoded;
  // JSON has no NaN: blank values are null, like pixels outside the image.
  auto number = [](float f) {
    return std::isfinite(f) ? boost::json::value(static_cast<double>(f)) : boost::json::value(nullptr);
  };
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
    auto at = (static_cast<std::size_t>(py - rect.y) * rect.width + static_cast<std::size_t>(px - rect.x)) *
              static_cast<std::size_t>(bands);
    if (data || bands == 1) return number((*it->second)[at]);
    boost::json::array each;
    for (int b = 0; b < bands; ++b) each.push_back(number((*it->second)[at + static_cast<std::size_t>(b)]));
    return boost::json::value(std::move(each));
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
  // Kept band values are the source's samples (8 or 16-bit integers, exact in float32).
  std::string dtype = "float32";
  if (!data && !ec && meta.is_object()) {
    if (auto const* f = meta.as_object().if_contains("sample_format"); f && f->is_string())
      dtype = std::string(f->as_string());
  }
  boost::json::object out{
      {"x", *x},         {"y", *y},
      {"size", *size},   {"width", w},
      {"height", h},     {"version", v->entry->version},
      {"dtype", dtype},  {"bunit", bunit ? boost::json::value(*bunit) : boost::json::value(nullptr)},
      {"value", centre}, {"values", std::move(rows)}};
  if (!data && bands > 1) out["bands"] = band_names(bands);
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
  auto statistics = std::make_shared<StatisticsCache>();
  for (std::string v : {"", "/v{version:int}"}) {
    std::string const which = v.empty() ? " (current version)" : " (one version, immutable)";
    add_endpoint(
        router, authn,
        {.method = bhttp::verb::get,
         .pattern = "/api/datasets/{id}" + v + "/live/{level:int}/{col:int}_{row:int}.png",
         // Tiles come in bursts of hundreds, as for pre-cut tiles.
         .rate_policy = "",
         .handler = [dir, cache, statistics](Call& c) { return live_tile(c, *dir, *cache, *statistics); },
         .doc = {
             .summary = "Live display tile" + which,
             .tag = "science",
             .description = "A Deep Zoom tile rendered from the data pyramid of original values with the "
                            "stretch and cuts given; 404 no_data_pyramid for datasets without one",
             .query = {{.name = "stretch", .schema = R"({"$ref":"#/components/schemas/StretchName"})"},
                       {.name = "lo",
                        .schema = R"({"type":"number"})",
                        .description = "Data value shown black",
                        .required = true},
                       {.name = "hi",
                        .schema = R"({"type":"number"})",
                        .description = "Data value shown white",
                        .required = true},
                       {.name = "cmap",
                        .schema = R"({"type":"string","default":"grey"})",
                        .description = "Colour map: grey, heat, cool, rainbow, viridis, inferno, or NAME_r "
                                       "(inverted)"}},
             .answers = {{.status = 200,
                          .description = "The tile",
                          .content = {{"image/png"}},
                          .headers = {"ETag", "Cache-Control"}},
                         {.status = 304, .description = "Not modified (If-None-Match)"}},
             .errors = {400, 404}}});
  }
  for (auto const* prefix : {"/api/datasets/{id}", "/api/datasets/{id}/v{version:int}"}) {
    add_endpoint(
        router, authn,
        {.method = bhttp::verb::get,
         .pattern = std::string(prefix) + "/histogram",
         .handler = [dir, statistics](Call& c) { return histogram(c, *dir, *statistics); },
         .doc = {.summary = "Statistics of the data for the display controls",
                 .tag = "science",
                 .description = "Stored at build time: min, max, mean, std, median, the cut presets' "
                                "percentiles, zscale cuts, 256-bin histograms between min and max and "
                                "between the 0.025 and 99.975 % values. Pyramids built before they were "
                                "stored get them computed once from a sample of the full-resolution data "
                                "tiles (then `computed` says so, and min/max are the sample's); "
                                "404 no_data_pyramid, no_data_statistics (no finite value)",
                 .answers = {{.status = 200,
                              .description = "The statistics",
                              .content = {{"application/json"}},
                              .headers = {"ETag", "Cache-Control"}},
                             {.status = 304, .description = "Not modified (If-None-Match)"}},
                 .errors = {404}}});
  }
  add_endpoint(
      router, authn,
      {.method = bhttp::verb::get,
       .pattern = "/api/datasets/{id}/pixels",
       // Asked as the pointer moves (the viewer throttles): priced like a tile, not like
       // a search.
       .rate_policy = "",
       .handler = [dir](Call& c) { return pixels(c, *dir); },
       .doc = {.summary = "Original pixel values around a position",
               .tag = "science",
               .description = "The odd size × size window centred on full-resolution pixel (x, y), "
                              "0-based from the top-left; null for blank pixels and outside the image. "
                              "Mono data from its data pyramid; colour and 8-bit images from the band "
                              "values kept at build time (one number per band, `bands` names them; "
                              "ADR 0031)",
               .query = {{.name = "x", .schema = R"({"type":"integer"})", .required = true},
                         {.name = "y", .schema = R"({"type":"integer"})", .required = true},
                         {.name = "size",
                          .schema = R"({"type":"integer","minimum":1,"maximum":21,"default":5})"}},
               .answers = {{.status = 200, .content = {{"application/json", "Pixels"}}}},
               .errors = {400, 404}}});
}

}  // namespace astropixel::api
