#include "api/measure_routes.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <string>

#include "api/data_view.hpp"
#include "api/endpoint.hpp"
#include "api/query_params.hpp"
#include "core/error_catalogue.hpp"
#include "pyramid/region_stats.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
using pyramid::Region;

namespace {

Error invalid_region(std::string message, std::string field) {
  Error e = make_error(errc::invalid_region, std::move(message));
  e.field = std::move(field);
  return e;
}

// Positions and sizes far beyond any image are refused: they mean nothing, and near the limits of a
// double their arithmetic overflows (a crossing at infinity, a pixel index past int64).
constexpr double kMaxCoordinate = 1099511627776.0;  // 2^40

// A finite number within ±2^40, else `code` naming it.
Result<double> coordinate(Call const& call, std::string_view name, ErrorSpec const& code) {
  auto v = query_number(call, name, code);
  if (v && std::abs(*v) > kMaxCoordinate) {
    Error e = make_error(code, fmt::format("{} must lie within ±2^40", name));
    e.field = std::string(name);
    return e;
  }
  return v;
}

// "x1,y1,x2,y2,...": at least three vertices, at most `limit`.
Result<std::vector<std::pair<double, double>>> polygon_points(Call const& call, int limit) {
  auto text = call.query("points");
  if (!text) return invalid_region("A polygon needs points=x1,y1,x2,y2,x3,y3,...", "points");
  std::vector<double> numbers;
  char const* p = text->data();
  char const* end = p + text->size();
  while (p < end) {
    if (numbers.size() >= static_cast<std::size_t>(limit) * 2)
      return invalid_region(fmt::format("A polygon has at most {} points", limit), "points");
    double v = 0;
    auto [next, ec] = std::from_chars(p, end, v);
    if (ec != std::errc() || !std::isfinite(v) || std::abs(v) > kMaxCoordinate ||
        (next != end && *next != ','))
      return invalid_region("points must be numbers within ±2^40 separated by commas", "points");
    numbers.push_back(v);
    p = next == end ? end : next + 1;
    if (next != end && p == end) return invalid_region("points must not end with a comma", "points");
  }
  if (numbers.size() % 2 != 0 || numbers.size() < 6)
    return invalid_region("A polygon needs at least three x,y pairs", "points");
  std::vector<std::pair<double, double>> out;
  for (std::size_t i = 0; i < numbers.size(); i += 2) out.emplace_back(numbers[i], numbers[i + 1]);
  return out;
}

// The region named by the query: shape=rectangle&x=&y=&width=&height=, shape=circle&x=&y=&radius=,
// or shape=polygon&points=...; in image pixels, origin top-left, y down (as annotations store them).
Result<Region> region_of(Call const& call, MeasureOptions const& options) {
  auto shape = call.query("shape").value_or("");
  Region r;
  auto positive = [&](std::string_view name) -> Result<double> {
    auto v = coordinate(call, name, errc::invalid_region);
    if (v && *v <= 0) return invalid_region(fmt::format("{} must be above 0", name), std::string(name));
    return v;
  };
  if (shape == "rectangle" || shape == "circle") {
    auto x = coordinate(call, "x", errc::invalid_region);
    if (!x) return x.error();
    auto y = coordinate(call, "y", errc::invalid_region);
    if (!y) return y.error();
    r.x = *x, r.y = *y;
    if (shape == "rectangle") {
      auto w = positive("width");
      if (!w) return w.error();
      auto h = positive("height");
      if (!h) return h.error();
      r.kind = Region::Kind::rectangle, r.width = *w, r.height = *h;
    } else {
      auto radius = positive("radius");
      if (!radius) return radius.error();
      r.kind = Region::Kind::circle, r.radius = *radius;
    }
    return r;
  }
  if (shape == "polygon") {
    auto points = polygon_points(call, options.max_polygon_points);
    if (!points) return points.error();
    r.kind = Region::Kind::polygon, r.points = std::move(*points);
    return r;
  }
  return invalid_region("shape must be rectangle, circle or polygon", "shape");
}

boost::json::object region_json(Region const& r) {
  switch (r.kind) {
    case Region::Kind::rectangle:
      return {{"shape", "rectangle"}, {"x", r.x}, {"y", r.y}, {"width", r.width}, {"height", r.height}};
    case Region::Kind::circle:
      return {{"shape", "circle"}, {"x", r.x}, {"y", r.y}, {"radius", r.radius}};
    case Region::Kind::polygon: {
      boost::json::array points;
      for (auto [x, y] : r.points) points.push_back(boost::json::array{x, y});
      return {{"shape", "polygon"}, {"points", std::move(points)}};
    }
  }
  return {};
}

boost::json::value number_or_null(bool some, double v) {
  return some ? boost::json::value(v) : boost::json::value(nullptr);
}

boost::json::value bunit_json(pyramid::PackReader const& pack) {
  auto bunit = bunit_of(pack);
  return bunit ? boost::json::value(*bunit) : boost::json::value(nullptr);
}

// GET /api/datasets/{id}[/v{version}]/region-statistics
Result<Answer> region_statistics(Call& call, tiles::TileDirectory& directory, MeasureOptions const& options) {
  auto region = region_of(call, options);
  if (!region) return region.error();
  auto v = resolve_data_view(directory, call);
  if (!v) return v.error();
  auto const& g = v->pack().geometry();
  auto box = pyramid::bounding_pixels(*region, g.width(), g.height());
  if (static_cast<std::uint64_t>(box.area()) > options.max_region_pixels) {
    return make_error(errc::region_too_large,
                      fmt::format("The region covers {} pixels; at most {} are measured at once", box.area(),
                                  options.max_region_pixels));
  }
  auto stats = pyramid::region_statistics(*region, g, full_resolution_values(*v));
  if (!stats) return stats.error();
  bool const some = stats->pixels > 0;
  return Answer::ok(boost::json::object{
      {"region", region_json(*region)},
      {"box", {{"x", box.x0}, {"y", box.y0}, {"width", box.x1 - box.x0}, {"height", box.y1 - box.y0}}},
      {"pixels", stats->pixels},
      {"blank", stats->blank},
      {"sum", number_or_null(some, stats->sum)},
      {"mean", number_or_null(some, stats->mean)},
      {"median", number_or_null(some, stats->median)},
      {"std", number_or_null(some, stats->std)},
      {"min", number_or_null(some, stats->min)},
      {"max", number_or_null(some, stats->max)},
      {"bunit", bunit_json(v->pack())},
      {"width", g.width()},
      {"height", g.height()},
      {"version", v->entry->version}});
}

// GET /api/datasets/{id}[/v{version}]/profile?x1=&y1=&x2=&y2=[&samples=]
Result<Answer> profile(Call& call, tiles::TileDirectory& directory, MeasureOptions const& options) {
  double ends[4];
  char const* names[4] = {"x1", "y1", "x2", "y2"};
  for (int i = 0; i < 4; ++i) {
    auto n = coordinate(call, names[i], errc::validation_error);
    if (!n) return n.error();
    ends[i] = *n;
  }
  double const length = std::hypot(ends[2] - ends[0], ends[3] - ends[1]);
  // One sample per pixel along the line by default, as DS9's projection takes them.
  auto fallback =
      static_cast<std::int64_t>(std::min(std::floor(length) + 1, double(options.max_profile_samples)));
  auto samples =
      query_int(call, "samples", std::max<std::int64_t>(fallback, 2), 2, options.max_profile_samples);
  if (!samples) return samples.error();
  auto v = resolve_data_view(directory, call);
  if (!v) return v.error();
  auto const& g = v->pack().geometry();
  auto points = pyramid::line_profile(ends[0], ends[1], ends[2], ends[3], static_cast<int>(*samples), g,
                                      full_resolution_values(*v));
  if (!points) return points.error();
  boost::json::array out;
  out.reserve(points->size());
  for (auto const& p : *points) {
    out.push_back({{"distance", p.distance},
                   {"x", p.x},
                   {"y", p.y},
                   {"value", p.value ? boost::json::value(double(*p.value)) : boost::json::value(nullptr)}});
  }
  return Answer::ok(boost::json::object{{"x1", ends[0]},
                                        {"y1", ends[1]},
                                        {"x2", ends[2]},
                                        {"y2", ends[3]},
                                        {"length", length},
                                        {"samples", *samples},
                                        {"points", std::move(out)},
                                        {"bunit", bunit_json(v->pack())},
                                        {"version", v->entry->version}});
}

http::RouteDoc::Param number(std::string name, std::string description, bool required = true) {
  return {.name = std::move(name),
          .schema = R"({"type":"number"})",
          .description = std::move(description),
          .required = required};
}

}  // namespace

void add_measure_routes(http::Router& router, Authenticator& authn, tiles::TileDirectory& directory,
                        MeasureOptions const& options) {
  auto* dir = &directory;
  for (auto const* prefix : {"/api/datasets/{id}", "/api/datasets/{id}/v{version:int}"}) {
    add_endpoint(
        router, authn,
        {.method = bhttp::verb::get,
         .pattern = std::string(prefix) + "/region-statistics",
         .handler = [dir, options](Call& c) { return region_statistics(c, *dir, options); },
         .doc = {
             .summary = "Statistics of the original values inside a region",
             .tag = "science",
             .description =
                 "Pixel count, sum, mean, exact median, standard deviation, min and max of the "
                 "non-blank full-resolution pixels whose centres lie inside a rectangle, circle or "
                 "polygon (image pixels, origin top-left, y down; polygons by the even-odd rule), "
                 "as DS9's region statistics. 400 invalid_region; 404 no_data_pyramid; 422 "
                 "region_too_large above the server's pixel limit",
             .query = {{.name = "shape",
                        .schema = R"({"enum":["rectangle","circle","polygon"]})",
                        .required = true},
                       number("x", "rectangle: left edge; circle: centre", false),
                       number("y", "rectangle: top edge; circle: centre", false),
                       number("width", "rectangle", false),
                       number("height", "rectangle", false),
                       number("radius", "circle", false),
                       {.name = "points", .description = "polygon: x1,y1,x2,y2,... (3 to 1000 vertices)"}},
             .answers = {json_answer("RegionStatistics")},
             .errors = {400, 404, 422}}});
    add_endpoint(
        router, authn,
        {.method = bhttp::verb::get,
         .pattern = std::string(prefix) + "/profile",
         .handler = [dir, options](Call& c) { return profile(c, *dir, options); },
         .doc = {.summary = "Original values along a line",
                 .tag = "science",
                 .description = "The full-resolution pixel under each of `samples` evenly spaced points "
                                "from (x1, y1) to (x2, y2), both ends included (DS9's projection); null "
                                "for blank pixels and points outside the image. 404 no_data_pyramid",
                 .query = {number("x1", "Start, image pixels from the left"),
                           number("y1", "Start, image pixels from the top"),
                           number("x2", "End"),
                           number("y2", "End"),
                           {.name = "samples",
                            .schema = R"({"type":"integer","minimum":2,"maximum":4096})",
                            .description = "Default: one per pixel of the line's length"}},
                 .answers = {json_answer("LineProfile")},
                 .errors = {400, 404}}});
  }
}

}  // namespace astropixel::api
