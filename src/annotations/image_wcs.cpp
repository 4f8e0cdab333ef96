#include "annotations/image_wcs.hpp"

#include <fmt/format.h>
#include <wcslib/wcs.h>
#include <wcslib/wcshdr.h>

#include <boost/json.hpp>
#include <cmath>
#include <numbers>
#include <vector>

#include "core/error_catalogue.hpp"

namespace astropixel::annotations {
namespace {

constexpr double kD2R = std::numbers::pi / 180;

Error wcs_error(ErrorSpec const& reason, std::string message, std::string detail = {}) {
  Error e = make_error(ErrorCode::unprocessable, std::move(message), std::move(detail));
  e.reason = std::string(reason.code);
  return e;
}

std::string card(std::string_view key, std::string const& value) {
  std::string c = fmt::format("{:<8}= {}", key, value);
  c.resize(80, ' ');
  return c;
}

std::string real(double v) {
  return fmt::format("{:.17E}", v);
}

std::string quote(std::string_view s) {
  std::string out = "'";
  for (char c : s.substr(0, 60)) {
    if (c == '\'') out += '\'';
    out += static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f ? c : ' ';
  }
  return out + "'";
}

double num(boost::json::value const* v, double fallback = NAN) {
  return v && v->is_number() ? v->to_number<double>() : fallback;
}

double at(boost::json::object const& o, std::string_view key, std::size_t i) {
  auto const* v = o.if_contains(key);
  if (!v || !v->is_array() || v->as_array().size() <= i) return NAN;
  return num(&v->as_array()[i]);
}

std::string str_at(boost::json::object const& o, std::string_view key, std::size_t i) {
  auto const* v = o.if_contains(key);
  if (!v || !v->is_array() || v->as_array().size() <= i || !v->as_array()[i].is_string()) return {};
  return std::string(v->as_array()[i].as_string());
}

// Header variants: the projection parameters as recorded, or left to wcslib's defaults.
Result<std::string> header_cards(boost::json::object const& o, bool with_pv) {
  bool const lng_first =
      !o.contains("lng_first") || (o.at("lng_first").is_bool() && o.at("lng_first").as_bool());
  std::string out = card("NAXIS", "2") + card("WCSAXES", "2");
  auto const* dist = o.if_contains("distortion");
  std::string dtype;
  if (dist && dist->is_object())
    if (auto const* t = dist->as_object().if_contains("type"); t && t->is_string()) dtype = t->as_string();
  if (!dtype.empty() && dtype != "SIP" && dtype != "TPV")
    return wcs_error(errc::wcs_unsupported, "The image's WCS cannot be used for regions",
                     fmt::format("{} distortion is not supported for region conversion", dtype));
  int const lat_axis = lng_first ? 2 : 1;
  for (int axis = 1; axis <= 2; ++axis) {
    std::size_t const k = (axis == 1) == lng_first ? 0 : 1;  // index into [lng, lat]
    std::string ctype = str_at(o, "ctype", k).substr(0, 8);
    if (ctype.size() < 8) return wcs_error(errc::no_celestial_wcs, "The image has no celestial WCS");
    if (dtype == "SIP") ctype += "-SIP";
    if (dtype == "TPV") ctype = ctype.substr(0, 5) + "TPV";
    double const crval = at(o, "crval", k), crpix = at(o, "crpix", static_cast<std::size_t>(axis - 1)),
                 cdelt = at(o, "cdelt", static_cast<std::size_t>(axis - 1));
    if (!std::isfinite(crval) || !std::isfinite(crpix) || !std::isfinite(cdelt))
      return wcs_error(errc::no_celestial_wcs, "The image has no usable celestial WCS");
    out += card(fmt::format("CTYPE{}", axis), quote(ctype));
    out += card(fmt::format("CRVAL{}", axis), real(crval));
    out += card(fmt::format("CRPIX{}", axis), real(crpix));
    out += card(fmt::format("CDELT{}", axis), real(cdelt));
    for (int j = 1; j <= 2; ++j) {
      double const pc = at(o, "pc", static_cast<std::size_t>((axis - 1) * 2 + j - 1));
      if (!std::isfinite(pc))
        return wcs_error(errc::no_celestial_wcs, "The image has no usable celestial WCS");
      out += card(fmt::format("PC{}_{}", axis, j), real(pc));
    }
  }
  if (double v = num(o.if_contains("lonpole")); std::isfinite(v)) out += card("LONPOLE", real(v));
  if (double v = num(o.if_contains("latpole")); std::isfinite(v)) out += card("LATPOLE", real(v));
  if (auto const* r = o.if_contains("radesys"); r && r->is_string() && !r->as_string().empty())
    out += card("RADESYS", quote(r->as_string()));
  if (double v = num(o.if_contains("equinox")); std::isfinite(v)) out += card("EQUINOX", real(v));
  if (with_pv && dtype != "TPV") {
    if (auto const* prj = o.if_contains("prj"); prj && prj->is_object())
      if (auto const* pv = prj->as_object().if_contains("pv"); pv && pv->is_array())
        for (std::size_t m = 0; m < pv->as_array().size() && m < 30; ++m)
          if (double v = num(&pv->as_array()[m]); std::isfinite(v))
            out += card(fmt::format("PV{}_{}", lat_axis, m), real(v));
  }
  if (dtype == "SIP") {
    auto const& d = dist->as_object();
    for (auto const* name : {"a", "b", "ap", "bp"}) {
      auto const* terms = d.if_contains(name);
      if (!terms || !terms->is_array() || terms->as_array().empty()) continue;
      std::string prefix = name;
      for (auto& c : prefix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      int order = 0;
      std::string coeffs;
      for (auto const& t : terms->as_array()) {
        if (!t.is_array() || t.as_array().size() != 3) continue;
        auto const p = static_cast<int>(num(&t.as_array()[0], 0)),
                   q = static_cast<int>(num(&t.as_array()[1], 0));
        if (p < 0 || q < 0 || p > 20 || q > 20) continue;
        order = std::max(order, p + q);
        coeffs += card(fmt::format("{}_{}_{}", prefix, p, q), real(num(&t.as_array()[2], 0)));
      }
      out += card(prefix + "_ORDER", std::to_string(order)) + coeffs;
    }
  }
  if (dtype == "TPV") {
    auto const& d = dist->as_object();
    for (int axis = 1; axis <= 2; ++axis) {
      auto const* terms = d.if_contains(axis == 1 ? "x" : "y");
      if (!terms || !terms->is_array()) continue;
      for (auto const& t : terms->as_array()) {
        if (!t.is_array() || t.as_array().size() != 2) continue;
        auto const m = static_cast<int>(num(&t.as_array()[0], -1));
        if (m < 0 || m > 39) continue;
        out += card(fmt::format("PV{}_{}", axis, m), real(num(&t.as_array()[1], 0)));
      }
    }
  }
  std::string end = "END";
  end.resize(80, ' ');
  return out + end;
}

Result<Frame> frame_of(boost::json::object const& o) {
  std::string system, radesys;
  if (auto const* s = o.if_contains("system"); s && s->is_string()) system = s->as_string();
  if (auto const* r = o.if_contains("radesys"); r && r->is_string()) radesys = r->as_string();
  double const equinox = num(o.if_contains("equinox"));
  auto unsupported = [&](std::string what) {
    return wcs_error(errc::wcs_unsupported, "The image's celestial frame is not supported for regions",
                     std::move(what));
  };
  if (system == "galactic") return Frame::galactic;
  if (system == "ecliptic") {
    if (std::isfinite(equinox) && std::abs(equinox - 2000) > 1e-6)
      return unsupported(fmt::format("ecliptic coordinates of equinox {}", equinox));
    return Frame::ecliptic;
  }
  if (system != "equatorial") return unsupported(fmt::format("the '{}' frame", system));
  if (radesys == "ICRS") return Frame::icrs;
  if (radesys == "FK5" || radesys.empty()) {
    if (std::isfinite(equinox) && std::abs(equinox - 2000) > 1e-6)
      return unsupported(fmt::format("FK5 of equinox {} (only J2000)", equinox));
    return Frame::fk5;
  }
  if (radesys == "FK4") {
    if (std::isfinite(equinox) && std::abs(equinox - 1950) > 1e-6)
      return unsupported(fmt::format("FK4 of equinox {} (only B1950)", equinox));
    return Frame::fk4;
  }
  return unsupported(fmt::format("RADESYS {}", radesys));
}

double separation(std::array<double, 2> a, std::array<double, 2> b) {
  double const dl = (b[0] - a[0]) * kD2R, d0 = a[1] * kD2R, d1 = b[1] * kD2R;
  double const h =
      std::pow(std::sin((d1 - d0) / 2), 2) + std::cos(d0) * std::cos(d1) * std::pow(std::sin(dl / 2), 2);
  return 2 * std::asin(std::min(1.0, std::sqrt(h))) / kD2R;
}

}  // namespace

double Jacobian::scale() const {
  return std::sqrt(std::abs(det()));
}

struct ImageWcs::Impl {
  int count = 0;
  wcsprm* all = nullptr;
  ~Impl() {
    if (all) wcsvfree(&count, &all);
  }
  wcsprm& w() { return all[0]; }
};

ImageWcs::ImageWcs(std::unique_ptr<Impl> impl, Frame frame, double height)
    : impl_(std::move(impl)), frame_(frame), height_(height) {}

ImageWcs::~ImageWcs() = default;

Result<std::unique_ptr<ImageWcs>> ImageWcs::from_json(std::string_view wcs_json, double height) {
  boost::system::error_code ec;
  auto v = boost::json::parse(wcs_json, ec);
  if (ec || !v.is_object() || v.as_object().empty())
    return wcs_error(errc::no_celestial_wcs, "The image has no celestial WCS",
                     "sky coordinates need a FITS image whose header has a celestial WCS");
  auto const& o = v.as_object();
  auto frame = frame_of(o);
  if (!frame) return frame.error();
  std::vector<std::pair<std::array<double, 2>, std::array<double, 2>>> refs;
  if (auto const* pts = o.if_contains("reference_points"); pts && pts->is_array()) {
    for (auto const& p : pts->as_array()) {
      if (!p.is_object()) continue;
      auto const& q = p.as_object();
      refs.push_back({{num(q.if_contains("x")), num(q.if_contains("y"))},
                      {num(q.if_contains("ra")), num(q.if_contains("dec"))}});
    }
  }
  if (refs.empty())
    return wcs_error(errc::wcs_unsupported, "The image's WCS cannot be used for regions",
                     "no reference points");
  Error last = wcs_error(errc::wcs_unsupported, "The image's WCS cannot be used for regions",
                         "wcslib does not reproduce the recorded coordinates");
  for (bool with_pv : {true, false}) {
    auto cards = header_cards(o, with_pv);
    if (!cards) return cards.error();
    auto impl = std::make_unique<Impl>();
    int rejected = 0;
    std::string text = *cards;
    if (wcspih(text.data(), static_cast<int>(text.size() / 80), WCSHDR_all, 0, &rejected, &impl->count,
               &impl->all) != 0 ||
        impl->count < 1)
      continue;
    if (wcsset(&impl->w()) != 0 || impl->w().lng < 0 || impl->w().lat < 0) continue;
    std::unique_ptr<ImageWcs> wcs(new ImageWcs(std::move(impl), *frame, height));
    double worst = 0;
    for (auto const& [xy, sky] : refs) {
      auto s = wcs->to_sky(xy[0], xy[1], *frame);
      worst = std::max(worst, s ? separation(*s, sky) : 1e9);
    }
    if (worst < 1e-6) {
      wcs->cards_ = *cards;
      return wcs;
    }
    last.detail = fmt::format("the rebuilt WCS is {:.3g}° off wcslib's recorded answers", worst);
  }
  return last;
}

std::optional<std::array<double, 2>> ImageWcs::to_sky(double x, double y, Frame f) {
  wcsprm& w = impl_->w();
  double pix[2] = {x + 0.5, height_ - y + 0.5};
  double img[2], phi = 0, theta = 0, world[2];
  int stat = 0;
  if (wcsp2s(&w, 1, 2, pix, img, &phi, &theta, world, &stat) != 0 || stat) return std::nullopt;
  std::array<double, 2> ll{world[w.lng], world[w.lat]};
  if (!std::isfinite(ll[0]) || !std::isfinite(ll[1])) return std::nullopt;
  return convert(frame_, f, ll);
}

std::optional<std::array<double, 2>> ImageWcs::to_pixel(std::array<double, 2> lonlat, Frame f) {
  if (!std::isfinite(lonlat[0]) || !std::isfinite(lonlat[1]) || std::abs(lonlat[1]) > 90) return std::nullopt;
  wcsprm& w = impl_->w();
  auto const native = convert(f, frame_, lonlat);
  double world[2];
  world[w.lng] = native[0];
  world[w.lat] = native[1];
  double img[2], phi = 0, theta = 0, pix[2];
  int stat = 0;
  // From wcslib's answer, or (where it refuses: some SIP distortions without reverse
  // coefficients, HST's) from the reference pixel, Newton's method on pixel → sky polishes the
  // position: wcslib inverts SIP with its approximate reverse polynomial (5e-5 px off on HST's).
  std::optional<std::array<double, 2>> direct;
  if (wcss2p(&w, 1, 2, world, &phi, &theta, img, pix, &stat) == 0 && !stat && std::isfinite(pix[0]) &&
      std::isfinite(pix[1]))
    direct = std::array<double, 2>{pix[0] - 0.5, height_ - pix[1] + 0.5};
  auto p = direct.value_or(std::array<double, 2>{w.crpix[0] - 0.5, height_ - w.crpix[1] + 0.5});
  double const cosb = std::cos(native[1] * kD2R);
  for (int k = 0; k < 50; ++k) {
    auto s = to_sky(p[0], p[1], frame_);
    auto j = jacobian(p[0], p[1], frame_);
    if (!s || !j) return direct;
    double dl = native[0] - (*s)[0];
    if (dl > 180) dl -= 360;
    if (dl < -180) dl += 360;
    double const east = dl * cosb, north = native[1] - (*s)[1];
    double const det = j->det();
    double const dx = (j->d * east - j->b * north) / det, dy = (-j->c * east + j->a * north) / det;
    p = {p[0] + dx, p[1] + dy};
    if (!std::isfinite(p[0]) || !std::isfinite(p[1]) || std::abs(p[0]) > 1e9 || std::abs(p[1]) > 1e9)
      return direct;
    if (std::hypot(dx, dy) < 1e-7) {
      auto check = to_sky(p[0], p[1], frame_);
      if (check && separation(*check, native) < 1e-9) return p;
      return direct;
    }
  }
  return direct;
}

std::optional<Jacobian> ImageWcs::jacobian(double x, double y, Frame f) {
  auto c = to_sky(x, y, f);
  auto r = to_sky(x + 0.5, y, f), l = to_sky(x - 0.5, y, f);
  auto d = to_sky(x, y + 0.5, f), u = to_sky(x, y - 0.5, f);
  if (!c || !r || !l || !d || !u) return std::nullopt;
  double const cosb = std::cos((*c)[1] * kD2R);
  auto east = [cosb](std::array<double, 2> from, std::array<double, 2> to) {
    double dl = to[0] - from[0];
    if (dl > 180) dl -= 360;
    if (dl < -180) dl += 360;
    return dl * cosb;
  };
  Jacobian j{east(*l, *r), east(*u, *d), (*r)[1] - (*l)[1], (*d)[1] - (*u)[1]};
  if (!std::isfinite(j.det()) || j.det() == 0) return std::nullopt;
  return j;
}

}  // namespace astropixel::annotations
