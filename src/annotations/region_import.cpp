#include "annotations/region_import.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>
#include <optional>

#include "core/error_catalogue.hpp"

namespace astropixel::annotations {
namespace {

constexpr double kD2R = std::numbers::pi / 180;
constexpr int kEllipseVertices = 64;

using P = std::array<double, 2>;

std::optional<Frame> frame_of(System s, ImageWcs* wcs) {
  switch (s) {
    case System::fk5:
      return Frame::fk5;
    case System::icrs:
      return Frame::icrs;
    case System::fk4:
      return Frame::fk4;
    case System::galactic:
      return Frame::galactic;
    case System::ecliptic:
      return Frame::ecliptic;
    case System::wcs:
      if (wcs) return wcs->frame();
      return std::nullopt;
    case System::image:
    case System::physical:
      return std::nullopt;
  }
  return std::nullopt;
}

bool pixel_unit(Unit u) {
  return u == Unit::image || u == Unit::physical;
}

// Converts one region; the reason when it cannot.
class Converter {
 public:
  Converter(ImageWcs* wcs, double width, double height) : wcs_(wcs), w_(width), h_(height) {}

  std::string why;
  std::string note;

  std::optional<ImportedAnnotation> run(Region const& r) {
    sky_ = is_sky(r.system);
    if (sky_) {
      if (!wcs_)
        return fail(
            fmt::format("{} coordinates need a celestial WCS; the image has none", to_string(r.system)));
      frame_ = *frame_of(r.system, wcs_);
    }
    ImportedAnnotation a;
    a.line = r.line;
    auto const& v = r.values;
    auto centre = position(v[0], v[1]);
    if (!centre) return std::nullopt;
    switch (r.shape) {
      case Shape::point:
      case Shape::text:
        a.kind = Kind::point;
        a.geometry.x = (*centre)[0];
        a.geometry.y = (*centre)[1];
        break;
      case Shape::circle: {
        auto radius = length(v[2], *centre);
        if (!radius) return std::nullopt;
        if (!(*radius > 0)) return fail("circle: the radius must be positive");
        a.kind = Kind::circle;
        a.geometry.x = (*centre)[0];
        a.geometry.y = (*centre)[1];
        a.geometry.radius = *radius;
        break;
      }
      case Shape::box:
      case Shape::ellipse: {
        auto axes = half_axes(v[2], v[3], v[4].number, *centre, r.shape == Shape::box);
        if (!axes) return std::nullopt;
        auto const [u, w] = *axes;
        double const lu = std::hypot(u[0], u[1]), lw = std::hypot(w[0], w[1]);
        if (!(lu > 0) || !(lw > 0))
          return fail(fmt::format("{}: the sizes must be positive", to_string(r.shape)));
        // A box along the pixel axes is a rectangle. Its sides are perpendicular on the sky, so in
        // pixels they may lean a little from each other away from the projection's centre (a
        // skew of 1e-6 at 0.1° from a TAN centre): 1e-4 of the size is allowed.
        double const tol = 1e-4 * std::max(lu, lw);
        P const c = *centre;
        if (r.shape == Shape::box) {
          bool const along = std::abs(u[1]) < tol && std::abs(w[0]) < tol;
          bool const across = std::abs(u[0]) < tol && std::abs(w[1]) < tol;
          if (along || across) {
            double const hw = along ? std::abs(u[0]) : std::abs(w[0]),
                         hh = along ? std::abs(w[1]) : std::abs(u[1]);
            a.kind = Kind::rectangle;
            a.geometry.x = c[0] - hw;
            a.geometry.y = c[1] - hh;
            a.geometry.width = 2 * hw;
            a.geometry.height = 2 * hh;
          } else {
            a.kind = Kind::polygon;
            for (auto [su, sw] : {std::pair{-1, -1}, std::pair{1, -1}, std::pair{1, 1}, std::pair{-1, 1}})
              a.geometry.points.push_back({c[0] + su * u[0] + sw * w[0], c[1] + su * u[1] + sw * w[1]});
            note = "rotated box: imported as a 4-vertex polygon";
          }
        } else {
          double const dot = u[0] * w[0] + u[1] * w[1];
          if (std::abs(lu - lw) < 1e-9 * lu && std::abs(dot) < 1e-9 * lu * lw) {
            a.kind = Kind::circle;
            a.geometry.x = c[0];
            a.geometry.y = c[1];
            a.geometry.radius = lu;
          } else {
            a.kind = Kind::polygon;
            for (int k = 0; k < kEllipseVertices; ++k) {
              double const t = 2 * std::numbers::pi * k / kEllipseVertices;
              a.geometry.points.push_back({c[0] + std::cos(t) * u[0] + std::sin(t) * w[0],
                                           c[1] + std::cos(t) * u[1] + std::sin(t) * w[1]});
            }
            note = fmt::format("ellipse: imported as a {}-vertex polygon", kEllipseVertices);
          }
        }
        break;
      }
      case Shape::polygon: {
        a.kind = Kind::polygon;
        for (std::size_t k = 0; k + 1 < v.size(); k += 2) {
          auto p = k == 0 ? centre : position(v[k], v[k + 1]);
          if (!p) return std::nullopt;
          a.geometry.points.push_back(*p);
        }
        break;
      }
      case Shape::line:
        return fail("line regions have no annotation counterpart (point, rectangle, circle, polygon)");
    }
    if (!inside(a)) return fail("lies outside the image");
    return a;
  }

 private:
  std::nullopt_t fail(std::string reason) {
    why = std::move(reason);
    return std::nullopt;
  }

  // DS9 image coordinates (1-based, y up) → display pixels.
  P from_ds9_image(double x, double y) const { return {x - 0.5, h_ - y + 0.5}; }

  std::optional<P> position(Value lon, Value lat) {
    bool const px = pixel_unit(lon.unit), py = pixel_unit(lat.unit);
    if (px != py) return fail("a position mixes pixel and sky values");
    if (px || !sky_) {
      if (!px && (lon.unit != Unit::none || lat.unit != Unit::none))
        return fail("a sky value in image coordinates");
      return from_ds9_image(lon.number, lat.number);
    }
    if (std::abs(lat.number) > 90) return fail("a latitude beyond ±90°");
    auto p = wcs_->to_pixel({lon.number, lat.number}, frame_);
    if (!p) return fail("a position that has no pixel in the image's projection");
    return p;
  }

  Result<Jacobian> jac(P at) {
    auto j = wcs_ ? wcs_->jacobian(at[0], at[1], sky_ ? frame_ : wcs_->frame()) : std::nullopt;
    if (!j) return make_error(ErrorCode::unprocessable, "no WCS");
    return *j;
  }

  std::string no_scale() const {
    return wcs_ ? "no pixel scale at this position (off the image's projection)"
                : "a size on the sky needs a celestial WCS; the image has none";
  }

  // A length in degrees when the value is an angle on the sky, else nullopt (pixels).
  std::optional<double> degrees_of(Value v) const {
    switch (v.unit) {
      case Unit::arcsec:
        return v.number / 3600;
      case Unit::arcmin:
        return v.number / 60;
      case Unit::degrees:
        return v.number;
      case Unit::none:
        if (sky_) return v.number;
        return std::nullopt;
      case Unit::image:
      case Unit::physical:
        return std::nullopt;
    }
    return std::nullopt;
  }

  std::optional<double> length(Value v, P at) {
    auto deg = degrees_of(v);
    if (!deg) return v.number;
    auto j = jac(at);
    if (!j) return fail(no_scale());
    return *deg / j->scale();
  }

  // The half-axes (pixel vectors) of a box or ellipse: width/r1 along the angle, height/r2 across.
  std::optional<std::pair<P, P>> half_axes(Value a, Value b, double angle, P at, bool full_sizes) {
    double const f = full_sizes ? 0.5 : 1.0;
    double const t = angle * kD2R;
    std::optional<Jacobian> j;
    if (sky_ || degrees_of(a) || degrees_of(b)) {
      auto jj = jac(at);
      if (!jj) return fail(no_scale());
      j = *jj;
    }
    // Directions: sky angles are measured from west through north (DS9's and astropy regions'
    // convention: for a north-up, east-left image they equal image angles); image angles
    // counter-clockwise from +x with y up.
    P du, dw;
    if (sky_) {
      auto inv = [&](double east, double north) {
        double const det = j->det();
        return P{(j->d * east - j->b * north) / det, (-j->c * east + j->a * north) / det};
      };
      du = inv(-std::cos(t), std::sin(t));  // pixels per degree along the axis
      dw = inv(std::sin(t), std::cos(t));
    } else {
      du = {std::cos(t), -std::sin(t)};  // display y goes down
      dw = {-std::sin(t), -std::cos(t)};
    }
    auto axis = [&](Value v, P dir) -> P {
      double const n = std::hypot(dir[0], dir[1]);
      auto deg = degrees_of(v);
      if (sky_) {
        if (deg) return {dir[0] * *deg * f, dir[1] * *deg * f};
        return {dir[0] / n * v.number * f, dir[1] / n * v.number * f};
      }
      double const px = deg ? *deg / j->scale() : v.number;
      return {dir[0] * px * f, dir[1] * px * f};
    };
    return std::pair{axis(a, du), axis(b, dw)};
  }

  bool inside(ImportedAnnotation& a) const {
    double const eps = 1e-6;
    auto fit = [&](double& v, double hi) {
      if (!std::isfinite(v) || v < -eps || v > hi + eps) return false;
      v = std::clamp(v, 0.0, hi);
      return true;
    };
    auto& g = a.geometry;
    switch (a.kind) {
      case Kind::point:
        return fit(g.x, w_) && fit(g.y, h_);
      case Kind::circle:
        return fit(g.x, w_) && fit(g.y, h_) && std::isfinite(g.radius) && g.radius > 0 &&
               g.radius <= std::max(w_, h_);
      case Kind::rectangle:
        return fit(g.x, w_) && fit(g.y, h_) && g.width > 0 && g.height > 0 && g.x + g.width <= w_ + eps &&
               g.y + g.height <= h_ + eps &&
               ((g.width = std::min(g.width, w_ - g.x)), (g.height = std::min(g.height, h_ - g.y)), true);
      case Kind::polygon:
        for (auto& p : g.points)
          if (!fit(p[0], w_) || !fit(p[1], h_)) return false;
        return g.points.size() >= 3 && g.points.size() <= 1000;
    }
    return false;
  }

  ImageWcs* wcs_;
  double w_, h_;
  bool sky_ = false;
  Frame frame_ = Frame::fk5;
};

bool utf8_at(std::string_view s, std::size_t i, std::size_t& len) {
  auto u = static_cast<unsigned char>(s[i]);
  if (u < 0x80) return (len = 1), true;
  std::size_t n = u >= 0xf0 && u <= 0xf4 ? 4 : u >= 0xe0 ? 3 : u >= 0xc2 && u < 0xe0 ? 2 : 0;
  if (n == 0 || i + n > s.size()) return false;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
  // Overlong three-byte forms, surrogates, and beyond U+10FFFF.
  auto u1 = static_cast<unsigned char>(s[i + 1]);
  if (n == 3 && ((u == 0xe0 && u1 < 0xa0) || (u == 0xed && u1 >= 0xa0))) return false;
  if (n == 4 && ((u == 0xf0 && u1 < 0x90) || (u == 0xf4 && u1 >= 0x90))) return false;
  len = n;
  return true;
}

// CSV: one record's cells ("..." with "" inside), from `pos`, which moves past the record.
std::vector<std::string> csv_record(std::string_view s, std::size_t& pos) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  while (pos < s.size()) {
    char const c = s[pos++];
    if (quoted) {
      if (c == '"') {
        if (pos < s.size() && s[pos] == '"') {
          cell += '"';
          ++pos;
        } else {
          quoted = false;
        }
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.push_back(std::move(cell));
      cell.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && pos < s.size() && s[pos] == '\n') ++pos;
      break;
    } else {
      cell += c;
    }
    if (cells.size() > 64) break;
  }
  cells.push_back(std::move(cell));
  return cells;
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 200)) {
    auto u = static_cast<unsigned char>(c);
    out += u >= 0x20 && u < 0x7f ? c : '?';
  }
  return out;
}

}  // namespace

std::string clean_label(std::string_view text, std::string_view fallback) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len = 1;
    if (!utf8_at(text, i, len)) {
      if (out.size() + 1 > 200) break;
      out += '?';
      ++i;
      continue;
    }
    if (out.size() + len > 200) break;
    auto u = static_cast<unsigned char>(text[i]);
    if (len == 1 && (u < 0x20 || u == 0x7f))
      out += ' ';
    else
      out.append(text.substr(i, len));
    i += len;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  while (!out.empty() && out.front() == ' ') out.erase(out.begin());
  return out.empty() ? std::string(fallback) : out;
}

ImportResult import_regions(RegionFile const& file, ImageWcs* wcs, double width, double height) {
  ImportResult out;
  out.skipped = file.skipped;
  std::string const global = ds9_color(file.global_color);
  bool physical_noted = false;
  for (auto const& r : file.regions) {
    if (out.items.size() >= kMaxImported) {
      out.skipped.push_back(
          {r.line, r.source, fmt::format("over the limit of {} annotations per import", kMaxImported)});
      continue;
    }
    Converter conv(wcs, width, height);
    auto a = conv.run(r);
    if (!a) {
      out.skipped.push_back({r.line, r.source, conv.why});
      continue;
    }
    if (r.shape == Shape::text && r.text.empty()) {
      out.skipped.push_back({r.line, r.source, "text region without text"});
      continue;
    }
    a->label = clean_label(r.text, to_string(r.shape));
    a->color = r.color.empty() ? global : ds9_color(r.color);
    if (a->color.empty()) {
      a->color = global.empty() ? "#00ff00" : global;
      out.notes.push_back(
          {r.line, r.source, fmt::format("unknown colour '{}': {} used", printable(r.color), a->color)});
    }
    if (!conv.note.empty()) out.notes.push_back({r.line, r.source, conv.note});
    if (r.exclude)
      out.notes.push_back({r.line, r.source, "excluded region: imported as an ordinary annotation"});
    if (r.system == System::physical && !physical_noted) {
      physical_noted = true;
      out.notes.push_back(
          {r.line, r.source, "physical coordinates read as image coordinates (no LTM/LTV known)"});
    }
    out.items.push_back(std::move(*a));
  }
  return out;
}

Result<ImportResult> import_catalogue(std::string_view csv, ImageWcs* wcs, Frame frame, double width,
                                      double height) {
  auto bad = [](std::string detail) {
    Error e = make_error(ErrorCode::validation, "Not a usable CSV catalogue", std::move(detail));
    e.reason = errc::bad_catalogue.code;
    return e;
  };
  if (csv.find('\0') != std::string_view::npos) return bad("the file holds binary data");
  if (csv.starts_with("\xEF\xBB\xBF")) csv.remove_prefix(3);
  std::size_t pos = 0;
  auto header = csv_record(csv, pos);
  int ix = -1, iy = -1, ira = -1, idec = -1, ilabel = -1, icolor = -1;
  for (std::size_t k = 0; k < header.size(); ++k) {
    std::string name = trimmed(header[k]);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    int const i = static_cast<int>(k);
    if (name == "x") ix = i;
    if (name == "y") iy = i;
    if (name == "ra" || name == "glon" || name == "elon" || name == "lon") ira = i;
    if (name == "dec" || name == "glat" || name == "elat" || name == "lat") idec = i;
    if ((name == "label" || name == "name" || name == "id") && ilabel < 0) ilabel = i;
    if (name == "color" || name == "colour") icolor = i;
  }
  bool const sky = ira >= 0 && idec >= 0;
  if (!sky && (ix < 0 || iy < 0)) return bad("the header row must name ra,dec or x,y columns");
  if (sky && !wcs) {
    Error e = make_error(ErrorCode::unprocessable, "The image has no celestial WCS",
                         "ra,dec columns need a FITS image with a celestial WCS; use x,y");
    e.reason = errc::no_celestial_wcs.code;
    return e;
  }
  ImportResult out;
  int line = 1;
  while (pos < csv.size()) {
    ++line;
    auto const start = pos;
    auto cells = csv_record(csv, pos);
    std::string_view const raw = csv.substr(start, pos - start);
    if (cells.size() == 1 && trimmed(cells[0]).empty()) continue;
    auto issue = [&](std::string reason) {
      out.skipped.push_back({line, printable(trimmed(raw)), std::move(reason)});
    };
    if (out.items.size() >= kMaxImported) {
      issue(fmt::format("over the limit of {} annotations per import", kMaxImported));
      if (out.skipped.size() > 1000) break;
      continue;
    }
    auto cell = [&](int i) {
      return i >= 0 && static_cast<std::size_t>(i) < cells.size()
                 ? trimmed(cells[static_cast<std::size_t>(i)])
                 : std::string();
    };
    ImportedAnnotation a;
    a.line = line;
    a.kind = Kind::point;
    std::optional<P> p;
    if (sky) {
      double lon = 0, lat = 0;
      bool hours = false;
      std::string const ls = cell(ira), bs = cell(idec);
      bool ok = parse_sexagesimal(ls, lon, hours);
      if (ok && (frame == Frame::fk5 || frame == Frame::icrs || frame == Frame::fk4) &&
          (hours || ls.find(':') != std::string::npos))
        lon *= 15;
      if (!ok) {
        char* end = nullptr;
        lon = std::strtod(ls.c_str(), &end);
        ok = !ls.empty() && end == ls.c_str() + ls.size();
      }
      bool ok2 = parse_sexagesimal(bs, lat, hours) && !hours;
      if (!ok2) {
        char* end = nullptr;
        lat = std::strtod(bs.c_str(), &end);
        ok2 = !bs.empty() && end == bs.c_str() + bs.size();
      }
      if (!ok || !ok2 || !std::isfinite(lon) || !std::isfinite(lat) || std::abs(lat) > 90) {
        issue("the sky position is not a number or sexagesimal value");
        continue;
      }
      p = wcs->to_pixel({lon, lat}, frame);
    } else {
      std::string const xs = cell(ix), ys = cell(iy);
      char* e1 = nullptr;
      char* e2 = nullptr;
      double const x = std::strtod(xs.c_str(), &e1), y = std::strtod(ys.c_str(), &e2);
      if (xs.empty() || ys.empty() || e1 != xs.c_str() + xs.size() || e2 != ys.c_str() + ys.size()) {
        issue("x and y must be numbers");
        continue;
      }
      p = P{x, y};
    }
    if (!p || !std::isfinite((*p)[0]) || !std::isfinite((*p)[1]) || (*p)[0] < 0 || (*p)[1] < 0 ||
        (*p)[0] > width || (*p)[1] > height) {
      issue("lies outside the image");
      continue;
    }
    a.geometry.x = (*p)[0];
    a.geometry.y = (*p)[1];
    a.label = clean_label(cell(ilabel), fmt::format("point {}", line - 1));
    a.color = "#f4c95d";
    if (auto c = cell(icolor); !c.empty()) {
      auto hex = ds9_color(c);
      if (hex.empty())
        out.notes.push_back(
            {line, printable(trimmed(raw)), fmt::format("unknown colour '{}'", printable(c))});
      else
        a.color = hex;
    }
    out.items.push_back(std::move(a));
  }
  return out;
}

}  // namespace astropixel::annotations
