#include "annotations/export.hpp"

#include <fmt/format.h>

namespace astropixel::annotations {
namespace {

std::string csv_cell(std::string const& s) {
  std::string v = s;
  // Formula injection: a cell starting with = + - @ (or tab/CR) must not be run by a spreadsheet.
  if (!v.empty() && std::string_view("=+-@\t\r").find(v[0]) != std::string_view::npos) v = "'" + v;
  if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string num(double v) {
  return fmt::format("{:.6g}", v);
}

// DS9 ends text at the closing brace and has no escape: drop braces and line breaks.
std::string ds9_text(std::string const& label) {
  std::string out;
  for (char c : label) {
    if (c == '{' || c == '}' || c == '\n' || c == '\r') continue;
    out += c;
  }
  return out;
}

}  // namespace

std::string to_csv(std::vector<Annotation> const& items) {
  std::string out = "id,kind,label,color,x,y,width,height,radius,points,author_id,created_at\n";
  for (auto const& a : items) {
    std::string points;
    for (auto const& p : a.geometry.points)
      points += (points.empty() ? "" : " ") + num(p[0]) + ":" + num(p[1]);
    auto const& g = a.geometry;
    bool poly = a.kind == Kind::polygon;
    out += fmt::format(
        "{},{},{},{},{},{},{},{},{},{},{},{}\n", a.id, to_string(a.kind), csv_cell(a.label),
        csv_cell(a.color), poly ? "" : num(g.x), poly ? "" : num(g.y),
        a.kind == Kind::rectangle ? num(g.width) : "", a.kind == Kind::rectangle ? num(g.height) : "",
        a.kind == Kind::circle ? num(g.radius) : "", csv_cell(points), a.author_id, a.created_at);
  }
  return out;
}

std::string to_ds9(std::vector<Annotation> const& items, double h) {
  std::string out =
      "# Region file format: DS9 version 4.1\n# Exported by AstroPixel (image pixel coordinates)\n";
  out += "global color=green width=1 font=\"helvetica 10 normal roman\"\nimage\n";
  auto X = [](double x) { return num(x + 0.5); };
  auto Y = [h](double y) { return num(h - y + 0.5); };
  for (auto const& a : items) {
    auto const& g = a.geometry;
    std::string shape;
    switch (a.kind) {
      case Kind::point:
        shape = fmt::format("point({},{}) # point=circle", X(g.x), Y(g.y));
        break;
      case Kind::rectangle:
        shape = fmt::format("box({},{},{},{},0) #", X(g.x + g.width / 2), Y(g.y + g.height / 2), num(g.width),
                            num(g.height));
        break;
      case Kind::circle:
        shape = fmt::format("circle({},{},{}) #", X(g.x), Y(g.y), num(g.radius));
        break;
      case Kind::polygon: {
        std::string coords;
        for (auto const& p : g.points) coords += (coords.empty() ? "" : ",") + X(p[0]) + "," + Y(p[1]);
        shape = fmt::format("polygon({}) #", coords);
        break;
      }
    }
    out += fmt::format("{} color={} text={{{}}}\n", shape, a.color, ds9_text(a.label));
  }
  return out;
}

}  // namespace astropixel::annotations
