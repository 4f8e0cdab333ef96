#include "annotations/export.hpp"

#include <fmt/format.h>

#include <cmath>

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

// Fixed decimals without trailing zeros: pixel positions of gigapixel images keep their fraction.
std::string fixed(double v, int decimals) {
  std::string s = fmt::format("{:.{}f}", v, decimals);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::string num(double v) {
  return fixed(v, 4);
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

constexpr double kD2R = 3.14159265358979323846 / 180;

std::string frame_name(Frame f) {
  return std::string(to_string(f));
}

std::string properties(Annotation const& a) {
  return fmt::format("color={} text={{{}}}", a.color, ds9_text(a.label));
}

}  // namespace

std::string sexagesimal(double value, bool hours, bool sign) {
  double v = hours ? value / 15 : value;
  bool const negative = v < 0;
  v = std::abs(v);
  int const decimals = hours ? 5 : 4;
  double const unit = std::pow(10.0, decimals);
  auto total = static_cast<long long>(std::llround(v * 3600 * unit));
  long long const frac = total % static_cast<long long>(unit);
  total /= static_cast<long long>(unit);
  long long const s = total % 60, m = (total / 60) % 60, d = total / 3600;
  return fmt::format("{}{:02}:{:02}:{:02}.{:0{}}", negative ? "-" : (sign ? "+" : ""), d, m, s, frac,
                     decimals);
}

std::string to_ds9_sky(std::vector<Annotation> const& items, ImageWcs& wcs, Frame frame, bool sexa) {
  std::string out = fmt::format(
      "# Region file format: DS9 version 4.1\n# Exported by AstroPixel ({} through the image's WCS)\n",
      frame_name(frame));
  out += "global color=green width=1 font=\"helvetica 10 normal roman\"\n" + frame_name(frame) + "\n";
  bool const hours = frame != Frame::galactic;
  auto pos = [&](std::array<double, 2> ll) {
    if (sexa) return sexagesimal(ll[0], hours, false) + "," + sexagesimal(ll[1], false, true);
    return fixed(ll[0], 9) + "," + fixed(ll[1], 9);
  };
  auto arcsec = [](double deg) { return fixed(deg * 3600, 6) + "\""; };
  for (auto const& a : items) {
    auto const& g = a.geometry;
    auto off = [&] {
      out += fmt::format("# not on the sky, not written: {} {}\n", to_string(a.kind), ds9_text(a.label));
    };
    std::string shape;
    if (a.kind == Kind::polygon) {
      std::string coords;
      bool ok = true;
      for (auto const& p : g.points) {
        auto ll = wcs.to_sky(p[0], p[1], frame);
        if (!ll) {
          ok = false;
          break;
        }
        coords += (coords.empty() ? "" : ",") + pos(*ll);
      }
      if (!ok) {
        off();
        continue;
      }
      shape = fmt::format("polygon({}) #", coords);
    } else {
      double const cx = a.kind == Kind::rectangle ? g.x + g.width / 2 : g.x;
      double const cy = a.kind == Kind::rectangle ? g.y + g.height / 2 : g.y;
      auto ll = wcs.to_sky(cx, cy, frame);
      auto j = a.kind == Kind::point ? std::optional<Jacobian>(Jacobian{}) : wcs.jacobian(cx, cy, frame);
      if (!ll || !j) {
        off();
        continue;
      }
      if (a.kind == Kind::point) {
        shape = fmt::format("point({}) # point=circle", pos(*ll));
      } else if (a.kind == Kind::circle) {
        shape = fmt::format("circle({},{}) #", pos(*ll), arcsec(g.radius * j->scale()));
      } else {
        // The box's width runs along display +x: its sky direction gives the angle.
        double const e = j->a, n = j->c;
        double angle = std::atan2(n, -e) / kD2R;
        if (angle < 0) angle += 360;
        double const w = g.width * std::hypot(j->a, j->c), h = g.height * std::hypot(j->b, j->d);
        shape = fmt::format("box({},{},{},{}) #", pos(*ll), arcsec(w), arcsec(h), fixed(angle, 9));
      }
    }
    out += shape + " " + properties(a) + "\n";
  }
  return out;
}

std::string to_catalogue(std::vector<Annotation> const& items, ImageWcs* wcs, Frame frame, bool sexa) {
  std::string out = !wcs                       ? "label,x,y,color\n"
                    : frame == Frame::galactic ? "label,glon,glat,color\n"
                                               : "label,ra,dec,color\n";
  bool const hours = frame != Frame::galactic;
  for (auto const& a : items) {
    if (a.kind != Kind::point) continue;
    std::string x, y;
    if (!wcs) {
      x = num(a.geometry.x);
      y = num(a.geometry.y);
    } else {
      auto ll = wcs->to_sky(a.geometry.x, a.geometry.y, frame);
      if (!ll) continue;
      x = sexa ? sexagesimal((*ll)[0], hours, false) : fixed((*ll)[0], 9);
      y = sexa ? sexagesimal((*ll)[1], false, true) : fixed((*ll)[1], 9);
    }
    out += fmt::format("{},{},{},{}\n", csv_cell(a.label), x, y, csv_cell(a.color));
  }
  return out;
}

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
