#include "pyramid/wcs_match.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <numbers>

namespace astropixel::pyramid {
namespace {

constexpr double kD2R = std::numbers::pi / 180;

double number_or(boost::json::object const& o, char const* key, double fallback) {
  auto const* v = o.if_contains(key);
  return v && v->is_number() ? v->to_number<double>() : fallback;
}

std::string text_or(boost::json::object const& o, char const* key) {
  auto const* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Great-circle distance in degrees (haversine: exact for the tiny angles compared here).
double separation(double lon1, double lat1, double lon2, double lat2) {
  double const s1 = std::sin((lat2 - lat1) * kD2R / 2), s2 = std::sin((lon2 - lon1) * kD2R / 2);
  double const h = s1 * s1 + std::cos(lat1 * kD2R) * std::cos(lat2 * kD2R) * s2 * s2;
  return 2 * std::asin(std::min(1.0, std::sqrt(h))) / kD2R;
}

}  // namespace

GridDifference compare_sky_grids(std::string const& a_text, std::string const& b_text) {
  boost::system::error_code ec1, ec2;
  auto a = boost::json::parse(a_text, ec1), b = boost::json::parse(b_text, ec2);
  if (ec1 || ec2 || !a.is_object() || !b.is_object()) return {"a WCS cannot be read"};
  auto const &wa = a.as_object(), &wb = b.as_object();
  auto const sa = text_or(wa, "system"), sb = text_or(wb, "system");
  if (sa != sb) return {fmt::format("the celestial frames differ ({} and {})", sa, sb)};
  auto points = [](boost::json::object const& w) {
    auto const* p = w.if_contains("reference_points");
    return p && p->is_array() ? p->as_array() : boost::json::array{};
  };
  auto const pa = points(wa), pb = points(wb);
  if (pa.empty() || pa.size() != pb.size())
    return {"the WCSs cannot be compared (their reference points differ: part of one image is off the sky)"};
  // arcsec per pixel; the finer of the two decides the tolerance.
  double const scale = std::min(number_or(wa, "pixel_scale", 0), number_or(wb, "pixel_scale", 0));
  double const tolerance = scale > 0 ? kGridTolerancePixels * scale / 3600 : 1e-6;
  double worst = 0, wx = 0, wy = 0;
  for (std::size_t i = 0; i < pa.size(); ++i) {
    if (!pa[i].is_object() || !pb[i].is_object()) return {"a WCS cannot be read"};
    auto const &p = pa[i].as_object(), &q = pb[i].as_object();
    double const x = number_or(p, "x", NAN), y = number_or(p, "y", NAN);
    if (std::abs(x - number_or(q, "x", NAN)) > 1e-6 || std::abs(y - number_or(q, "y", NAN)) > 1e-6)
      return {"the WCSs cannot be compared (their reference points lie on different pixels)"};
    double const d = separation(number_or(p, "ra", NAN), number_or(p, "dec", NAN), number_or(q, "ra", NAN),
                                number_or(q, "dec", NAN));
    if (!(d <= worst)) {
      worst = std::isfinite(d) ? d : INFINITY;
      wx = x, wy = y;
    }
  }
  if (worst <= tolerance) return {};
  if (!std::isfinite(worst)) return {"a WCS cannot be read"};
  double const pixels = scale > 0 ? worst * 3600 / scale : 0;
  return {
      fmt::format("the WCSs differ: pixel ({:.0f}, {:.0f}) lies {:.3g}″ apart on the sky ({:.3g} pixels; "
                  "at most {} pixel is accepted)",
                  wx, wy, worst * 3600, pixels, kGridTolerancePixels)};
}

}  // namespace astropixel::pyramid
