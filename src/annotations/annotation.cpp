#include "annotations/annotation.hpp"

#include <boost/json.hpp>
#include <cmath>

namespace astropixel::annotations {
namespace {

Result<double> number(boost::json::object const& o, std::string_view key, double lo, double hi) {
  auto const* v = o.if_contains(key);
  if (!v || !v->is_number())
    return invalid_field("geometry", "geometry." + std::string(key) + " must be a number");
  double d = v->to_number<double>();
  if (!std::isfinite(d) || d < lo || d > hi)
    return invalid_field("geometry", "geometry." + std::string(key) + " lies outside the image");
  return d;
}

}  // namespace

std::string_view to_string(Kind k) {
  switch (k) {
    case Kind::point:
      return "point";
    case Kind::rectangle:
      return "rectangle";
    case Kind::circle:
      return "circle";
    case Kind::polygon:
      return "polygon";
  }
  return "point";
}

Result<Kind> parse_kind(std::string_view kind) {
  for (auto k : {Kind::point, Kind::rectangle, Kind::circle, Kind::polygon}) {
    if (to_string(k) == kind) return k;
  }
  return invalid_field("kind", "kind must be point, rectangle, circle or polygon");
}

Status validate_label(std::string const& label) {
  if (label.empty() || label.size() > 200)
    return invalid_field("label", "A label of 1 to 200 characters is required");
  for (unsigned char c : label) {
    if (c < 0x20 || c == 0x7f) return invalid_field("label", "The label must not contain control characters");
  }
  return {};
}

Status validate_color(std::string const& color) {
  bool ok = color.size() == 7 && color[0] == '#';
  for (std::size_t i = 1; ok && i < color.size(); ++i)
    ok = std::isxdigit(static_cast<unsigned char>(color[i])) != 0;
  if (!ok) return invalid_field("color", "color must look like #f4c95d");
  return {};
}

Result<Geometry> parse_geometry(Kind kind, std::string_view json, double w, double h) {
  boost::system::error_code ec;
  auto v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return invalid_field("geometry", "geometry must be an object");
  auto const& o = v.as_object();
  Geometry g;
  if (kind == Kind::polygon) {
    auto const* pts = o.if_contains("points");
    if (!pts || !pts->is_array() || pts->as_array().size() < 3 || pts->as_array().size() > 1000)
      return invalid_field("geometry", "a polygon needs 3 to 1000 points [[x, y], ...]");
    for (auto const& p : pts->as_array()) {
      if (!p.is_array() || p.as_array().size() != 2 || !p.as_array()[0].is_number() ||
          !p.as_array()[1].is_number())
        return invalid_field("geometry", "each polygon point is [x, y]");
      double x = p.as_array()[0].to_number<double>(), y = p.as_array()[1].to_number<double>();
      if (!std::isfinite(x) || !std::isfinite(y) || x < 0 || y < 0 || x > w || y > h)
        return invalid_field("geometry", "a polygon point lies outside the image");
      g.points.push_back({x, y});
    }
    return g;
  }
  auto x = number(o, "x", 0, w);
  if (!x) return x.error();
  auto y = number(o, "y", 0, h);
  if (!y) return y.error();
  g.x = *x;
  g.y = *y;
  if (kind == Kind::rectangle) {
    auto width = number(o, "width", 0, w - g.x);
    if (!width) return width.error();
    auto height = number(o, "height", 0, h - g.y);
    if (!height) return height.error();
    if (*width <= 0 || *height <= 0)
      return invalid_field("geometry", "a rectangle needs a positive width and height");
    g.width = *width;
    g.height = *height;
  } else if (kind == Kind::circle) {
    auto r = number(o, "radius", 0, std::max(w, h));
    if (!r) return r.error();
    if (*r <= 0) return invalid_field("geometry", "a circle needs a positive radius");
    g.radius = *r;
  }
  return g;
}

std::string geometry_json(Kind kind, Geometry const& g) {
  boost::json::object o;
  switch (kind) {
    case Kind::point:
      o = {{"x", g.x}, {"y", g.y}};
      break;
    case Kind::rectangle:
      o = {{"x", g.x}, {"y", g.y}, {"width", g.width}, {"height", g.height}};
      break;
    case Kind::circle:
      o = {{"x", g.x}, {"y", g.y}, {"radius", g.radius}};
      break;
    case Kind::polygon: {
      boost::json::array pts;
      for (auto const& p : g.points) pts.push_back(boost::json::array{p[0], p[1]});
      o = {{"points", pts}};
      break;
    }
  }
  return boost::json::serialize(o);
}

}  // namespace astropixel::annotations
