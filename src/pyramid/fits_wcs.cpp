#include "pyramid/fits_wcs.hpp"

#include <fitsio.h>
#include <wcslib/dis.h>
#include <wcslib/wcs.h>
#include <wcslib/wcsfix.h>
#include <wcslib/wcshdr.h>
#include <wcslib/wcsmath.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <numbers>
#include <optional>
#include <string_view>
#include <vector>

#include "pyramid/celestial_wcs.hpp"

namespace astropixel::pyramid {
namespace {

constexpr double kD2R = std::numbers::pi / 180;

// Moves to the HDU FitsRows reads: the chosen one, or the first holding a 2-D image.
bool move_to_image(fitsfile* f, FitsSelection const& sel) {
  int status = 0, hdus = 0, type = 0;
  fits_get_num_hdus(f, &hdus, &status);
  if (sel.hdu >= 0) return fits_movabs_hdu(f, sel.hdu + 1, &type, &status) == 0 && type == IMAGE_HDU;
  for (int h = 1; h <= hdus; ++h) {
    if (fits_movabs_hdu(f, h, &type, &status)) return false;
    int naxis = 0;
    if (type == IMAGE_HDU && fits_get_img_dim(f, &naxis, &status) == 0 && naxis >= 2) return true;
  }
  return false;
}

std::string trimmed(char const* s) {
  std::string_view v(s);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return std::string(v);
}

// JSON cannot hold NaN or infinities: null instead.
boost::json::value number(double v) {
  return std::isfinite(v) ? boost::json::value(v) : boost::json::value(nullptr);
}

// Great-circle distance (degrees) and position angle (degrees from north through east) from a to b.
std::pair<double, double> offset(std::array<double, 2> a, std::array<double, 2> b) {
  double const dl = (b[0] - a[0]) * kD2R, d0 = a[1] * kD2R, d1 = b[1] * kD2R;
  double const h =
      std::pow(std::sin((d1 - d0) / 2), 2) + std::cos(d0) * std::cos(d1) * std::pow(std::sin(dl / 2), 2);
  double const dist = 2 * std::asin(std::min(1.0, std::sqrt(h))) / kD2R;
  double const pa = std::atan2(std::sin(dl) * std::cos(d1),
                               std::cos(d0) * std::sin(d1) - std::sin(d0) * std::cos(d1) * std::cos(dl));
  return {dist, pa / kD2R};
}

// The value of a header card (numbers and quoted strings), empty when absent.
std::string card_value(std::string const& cards, std::string_view key) {
  for (std::size_t i = 0; i + 80 <= cards.size(); i += 80) {
    std::string_view card(cards.data() + i, 80);
    std::string_view name = card.substr(0, 8);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name != key || card.substr(8, 2) != "= ") continue;
    std::string_view v = card.substr(10);
    if (auto q = v.find('\'');
        q != std::string_view::npos && v.substr(0, q).find_first_not_of(' ') == std::string_view::npos) {
      auto end = v.find('\'', q + 1);
      return std::string(
          v.substr(q + 1, end == std::string_view::npos ? std::string_view::npos : end - q - 1));
    }
    if (auto slash = v.find('/'); slash != std::string_view::npos) v = v.substr(0, slash);
    auto const first = v.find_first_not_of(' ');
    if (first == std::string_view::npos) return {};
    v = v.substr(first);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return std::string(v);
  }
  return {};
}

// The Digitized Sky Survey's plate solution as its header gives it (plate centre, pixel → plate
// millimetres, AMDX/AMDY polynomials to standard coordinates in arcsec); wcslib reads the same
// keywords into a TAN projection plus polynomial. Null when a keyword is missing.
boost::json::value dss_json(std::string const& cards) {
  auto number_of = [&](std::string_view key) -> std::optional<double> {
    std::string v = card_value(cards, key);
    if (v.empty()) return std::nullopt;
    char* end = nullptr;
    double const d = std::strtod(v.c_str(), &end);
    return end != v.c_str() && std::isfinite(d) ? std::optional<double>(d) : std::nullopt;
  };
  boost::json::object o{{"type", "DSS"}};
  for (auto key : {"PPO3", "PPO6", "XPIXELSZ", "YPIXELSZ", "CNPIX1", "CNPIX2", "PLTRAH", "PLTRAM", "PLTRAS",
                   "PLTDECD", "PLTDECM", "PLTDECS"}) {
    auto v = number_of(key);
    if (!v) return nullptr;
    std::string lower(key);
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    o[lower] = *v;
  }
  std::string const sign = card_value(cards, "PLTDECSN");
  o["pltdecsn"] = sign.find('-') != std::string::npos ? -1 : 1;
  for (auto axis : {"AMDX", "AMDY"}) {
    boost::json::array c;
    for (int m = 1; m <= 13; ++m) c.push_back(number_of(std::string(axis) + std::to_string(m)).value_or(0.0));
    o[axis == std::string("AMDX") ? "amdx" : "amdy"] = c;
  }
  return o;
}

// SIP or TPV coefficients as wcslib parsed them into its distortion records ("DP1.SIP.FWD.2_0",
// "DQ2.TPV.5"), or DSS's plate solution; null when there is no distortion, {"type": ...} alone for
// forms the browser lacks.
boost::json::value distortion_json(wcsprm const& w, std::string const& cards) {
  disprm const* pre = w.lin.dispre;
  disprm const* seq = w.lin.disseq;
  auto kind = [](disprm const* d) -> std::string {
    if (!d) return {};
    for (int i = 0; i < d->naxis; ++i)
      if (d->dtype[i][0]) return trimmed(d->dtype[i]);
    return {};
  };
  std::string const pre_kind = kind(pre), seq_kind = kind(seq);
  if (pre_kind.empty() && seq_kind.empty()) return nullptr;
  if (!seq_kind.empty() && pre_kind.empty() && seq_kind == "TPV") {
    boost::json::array x, y;
    for (int i = 0; i < seq->ndp; ++i) {
      std::string_view f(seq->dp[i].field);
      auto dot = f.find(".TPV.");
      if (dot == std::string_view::npos) continue;
      int const m = std::atoi(std::string(f.substr(dot + 5)).c_str());
      (seq->dp[i].j == 1 ? x : y).push_back(boost::json::array{m, dpkeyd(&seq->dp[i])});
    }
    return boost::json::object{{"type", "TPV"}, {"x", x}, {"y", y}};
  }
  if (!pre_kind.empty() && seq_kind.empty() && pre_kind == "SIP") {
    boost::json::array a, b, ap, bp;
    for (int i = 0; i < pre->ndp; ++i) {
      std::string_view f(pre->dp[i].field);
      bool const fwd = f.find(".SIP.FWD.") != std::string_view::npos;
      bool const rev = f.find(".SIP.REV.") != std::string_view::npos;
      if (!fwd && !rev) continue;
      std::string const pq(f.substr(f.rfind('.') + 1));
      auto under = pq.find('_');
      if (under == std::string::npos) continue;
      int const p = std::atoi(pq.substr(0, under).c_str()), q = std::atoi(pq.substr(under + 1).c_str());
      bool const first = pre->dp[i].j == 1;
      auto& into = fwd ? (first ? a : b) : (first ? ap : bp);
      into.push_back(boost::json::array{p, q, dpkeyd(&pre->dp[i])});
    }
    return boost::json::object{{"type", "SIP"}, {"a", a}, {"b", b}, {"ap", ap}, {"bp", bp}};
  }
  if (seq_kind == "DSS") {
    if (auto dss = dss_json(cards); !dss.is_null()) return dss;
  }
  return boost::json::object{{"type", pre_kind.empty() ? seq_kind : pre_kind}};
}

std::string system_of(wcsprm const& w) {
  std::string lng = trimmed(w.lngtyp);
  if (lng == "RA") return "equatorial";
  if (lng == "GLON") return "galactic";
  if (lng == "ELON") return "ecliptic";
  if (lng == "HLON") return "helioecliptic";
  if (lng == "SLON") return "supergalactic";
  return lng;
}

// Pixel scale, north angle and field of view at the image's centre (or the reference pixel when the
// centre is off the sky), from wcslib's answers there, so distortion is included.
void add_scale(CelestialWcs& cw, boost::json::object& o, double width, double height) {
  wcsprm& w = cw.get();
  double cx = width / 2, cy = height / 2;
  if (!cw.world(cx, cy, height)) {
    cx = w.crpix[0] - 0.5;
    cy = height - w.crpix[1] + 0.5;
  }
  auto c = cw.world(cx, cy, height);
  auto right = cw.world(cx + 0.5, cy, height), left = cw.world(cx - 0.5, cy, height);
  auto down = cw.world(cx, cy + 0.5, height), up = cw.world(cx, cy - 0.5, height);
  if (!c || !right || !left || !down || !up) return;
  double const sx = offset(*left, *right).first, sy = offset(*up, *down).first;
  if (!(sx > 0) || !(sy > 0)) return;
  o["pixel_scale_xy"] = boost::json::array{number(sx * 3600), number(sy * 3600)};
  // Local east/north offsets (degrees) of one display pixel along x and along y (down).
  auto step = [](std::array<double, 2> from, std::array<double, 2> to) {
    auto [d, pa] = offset(from, to);
    return std::array<double, 2>{d * std::sin(pa * kD2R), d * std::cos(pa * kD2R)};
  };
  auto const ex = step(*left, *right), ey = step(*up, *down);
  double const det = ex[0] * ey[1] - ex[1] * ey[0];
  // At a celestial pole (within two pixels) north has no direction and the local axes degenerate.
  bool const at_pole = 90 - std::abs((*c)[1]) < 2 * std::max(sx, sy);
  o["pixel_scale"] = number(
      (at_pole || !std::isfinite(det) || det == 0 ? std::sqrt(sx * sy) : std::sqrt(std::abs(det))) * 3600);
  if (!at_pole && std::isfinite(det) && det != 0) {
    // The display direction of north: solve [ex ey]·(dx, dy) = (0, 1).
    double const dx = -ey[0] / det, dy = ex[0] / det;
    o["north_angle"] = number(std::atan2(-dx, -dy) / kD2R);  // counter-clockwise from up (screen y goes down)
    // East is the direction (1, 0): counter-clockwise from north on screen when the cross product of
    // north × east (in screen coordinates with y up) is positive.
    double const ex_dx = ey[1] / det, ex_dy = -ex[1] / det;
    o["east_left"] = (dx * -ex_dy - -dy * ex_dx) > 0;
  }
  // Field of view along the centre row and column, summed over short arcs on the sky (all-sky
  // images too: the parts of the row off the sky add nothing).
  auto path_length = [&](bool row) -> std::optional<double> {
    constexpr int kSteps = 256;
    double total = 0;
    bool any = false;
    std::optional<std::array<double, 2>> prev;
    for (int i = 0; i <= kSteps; ++i) {
      double const t = static_cast<double>(i) / kSteps;
      auto p = row ? cw.world(t * width, cy, height) : cw.world(cx, t * height, height);
      if (p && prev) {
        total += offset(*prev, *p).first;
        any = true;
      }
      prev = p;
    }
    return any ? std::optional<double>(total) : std::nullopt;
  };
  auto fw = path_length(true), fh = path_length(false);
  o["fov"] = boost::json::array{number(fw ? *fw : width * sx), number(fh ? *fh : height * sy)};
}

}  // namespace

std::string wcs_json_from_header(std::string const& cards, std::uint32_t width, std::uint32_t height) {
  CelestialWcs cw;
  if (!cw.parse(cards)) return {};
  wcsprm& w = cw.get();
  // wcslib leaves lin.piximg unset when the matrix is unity (CDELTi alone, or with CROTA2 before
  // wcsset folds it into PC): the pixel → intermediate matrix is built here from PC and CDELT.
  double const* pc = w.lin.pc;
  double const* cdelt = w.lin.cdelt;
  double const m[4] = {cdelt[0] * pc[0], cdelt[0] * pc[1], cdelt[1] * pc[2], cdelt[1] * pc[3]};
  prjprm const& prj = w.cel.prj;
  boost::json::array pv;
  for (double v : prj.pv) pv.push_back(undefined(v) ? boost::json::value(nullptr) : number(v));
  boost::json::object o{
      {"version", kWcsJsonVersion},
      {"ctype", boost::json::array{trimmed(w.ctype[w.lng]), trimmed(w.ctype[w.lat])}},
      {"crval", boost::json::array{w.crval[w.lng], w.crval[w.lat]}},
      {"crpix", boost::json::array{w.crpix[0], w.crpix[1]}},
      {"pc", boost::json::array{pc[0], pc[1], pc[2], pc[3]}},
      {"cdelt", boost::json::array{cdelt[0], cdelt[1]}},
      {"matrix", boost::json::array{m[0], m[1], m[2], m[3]}},
      {"projection", std::string(prj.code)},
      {"prj", boost::json::object{{"r0", prj.r0},
                                  {"pv", pv},
                                  {"phi0", prj.phi0},
                                  {"theta0", prj.theta0},
                                  {"x0", prj.x0},
                                  {"y0", prj.y0}}},
      {"euler",
       boost::json::array{w.cel.euler[0], w.cel.euler[1], w.cel.euler[2], w.cel.euler[3], w.cel.euler[4]}},
      {"lonpole", w.cel.ref[2]},
      {"latpole", w.cel.ref[3]},
      {"distortion", distortion_json(w, cards)},
      {"lookup_distortion_ignored", cw.lookup_dropped()},
      {"radesys", trimmed(w.radesys)},
      {"equinox", undefined(w.equinox) ? boost::json::value(nullptr) : boost::json::value(w.equinox)},
      {"system", system_of(w)},
      {"lng_first", w.lng == 0}};
  // wcslib's own answers on a 5 × 5 grid over the image (those on the sky), in display pixels.
  boost::json::array points;
  double const fractions[] = {0.02, 0.25, 0.5, 0.75, 0.98};
  for (double fy : fractions) {
    for (double fx : fractions) {
      double const x = fx * width, y = fy * height;
      if (auto s = cw.world(x, y, height))
        if (std::isfinite((*s)[0]) && std::isfinite((*s)[1]))
          points.push_back(boost::json::object{{"x", x}, {"y", y}, {"ra", (*s)[0]}, {"dec", (*s)[1]}});
    }
  }
  o["reference_points"] = points;
  add_scale(cw, o, width, height);
  return boost::json::serialize(o);
}

std::string read_fits_wcs(std::filesystem::path const& path, FitsSelection const& sel, std::uint32_t width,
                          std::uint32_t height) {
  fitsfile* f = nullptr;
  int status = 0;
  if (fits_open_diskfile(&f, path.c_str(), READONLY, &status)) return {};
  std::unique_ptr<fitsfile, void (*)(fitsfile*)> file(f, [](fitsfile* p) {
    int s = 0;
    fits_close_file(p, &s);
  });
  char* header = nullptr;
  int keys = 0;
  if (!move_to_image(f, sel) || fits_hdr2str(f, 1, nullptr, 0, &header, &keys, &status)) {
    fits_clear_errmsg();
    return {};
  }
  std::unique_ptr<char, void (*)(char*)> text(header, [](char* p) {
    int s = 0;
    fits_free_memory(p, &s);
  });
  return wcs_json_from_header(std::string(header, static_cast<std::size_t>(keys) * 80), width, height);
}

}  // namespace astropixel::pyramid
