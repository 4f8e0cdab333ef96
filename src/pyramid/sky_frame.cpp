#include "pyramid/sky_frame.hpp"

#include <cmath>
#include <numbers>

namespace astropixel::pyramid {
namespace {

using Vec = std::array<double, 3>;
using Mat = std::array<Vec, 3>;

constexpr double kD2R = std::numbers::pi / 180;

Vec vec(std::array<double, 2> ll) {
  double const l = ll[0] * kD2R, b = ll[1] * kD2R;
  return {std::cos(b) * std::cos(l), std::cos(b) * std::sin(l), std::sin(b)};
}

std::array<double, 2> lonlat(Vec v) {
  double const r = std::hypot(v[0], v[1]);
  double lon = r == 0 ? 0 : std::atan2(v[1], v[0]) / kD2R;
  if (lon < 0) lon += 360;
  if (lon >= 360) lon -= 360;
  return {lon, std::atan2(v[2], r) / kD2R};
}

Vec mul(Mat const& m, Vec v) {
  Vec out{};
  for (std::size_t i = 0; i < 3; ++i) out[i] = m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2];
  return out;
}

Vec mul_t(Mat const& m, Vec v) {
  Vec out{};
  for (std::size_t i = 0; i < 3; ++i) out[i] = m[0][i] * v[0] + m[1][i] * v[1] + m[2][i] * v[2];
  return out;
}

Vec normalised(Vec v) {
  double const n = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  return {v[0] / n, v[1] / n, v[2] / n};
}

// sla_EQGAL: FK5 J2000 → galactic.
constexpr Mat kGalactic{{{-0.054875539726, -0.873437108010, -0.483834985808},
                         {+0.494109453312, -0.444829589425, +0.746982251810},
                         {-0.867666135858, -0.198076386122, +0.455983795705}}};

// ICRS → FK5 J2000: the frame bias of USNO Circular 179 (η0 = −19.9, ξ0 = 9.1, dα0 = −22.9 mas),
// as astropy and DS9 apply it.
Mat icrs_matrix() {
  double const mas = kD2R / 3600 / 1000;
  auto rx = [](double a) {
    return Mat{{{1, 0, 0}, {0, std::cos(a), std::sin(a)}, {0, -std::sin(a), std::cos(a)}}};
  };
  auto ry = [](double a) {
    return Mat{{{std::cos(a), 0, -std::sin(a)}, {0, 1, 0}, {std::sin(a), 0, std::cos(a)}}};
  };
  auto rz = [](double a) {
    return Mat{{{std::cos(a), std::sin(a), 0}, {-std::sin(a), std::cos(a), 0}, {0, 0, 1}}};
  };
  auto mm = [](Mat const& x, Mat const& y) {
    Mat out{};
    for (std::size_t i = 0; i < 3; ++i)
      for (std::size_t j = 0; j < 3; ++j)
        out[i][j] = x[i][0] * y[0][j] + x[i][1] * y[1][j] + x[i][2] * y[2][j];
    return out;
  };
  return mm(mm(rx(19.9 * mas), ry(9.1 * mas)), rz(-22.9 * mas));
}

Mat ecliptic_matrix() {
  double const e = 84381.448 / 3600 * kD2R;
  return {{{1, 0, 0}, {0, std::cos(e), std::sin(e)}, {0, -std::sin(e), std::cos(e)}}};
}

// sla_FK45Z's constants: the E-terms vector and its rate, and the position rows of its matrix.
constexpr Vec kEterms{-1.62557e-6, -0.31919e-6, -0.13843e-6};
constexpr Mat kFk4Position{{{+0.9999256782, -0.0111820611, -0.0048579477},
                            {+0.0111820610, +0.9999374784, -0.0000271765},
                            {+0.0048579479, -0.0000271474, +0.9999881997}}};
constexpr Vec kEtermsRate{+1.245e-3, -1.580e-3, -0.659e-3};

// sla_FK45Z at the epoch DS9 assumes (AST's default, J2000.0 = Besselian 2000.0012775) when the
// image gives none: the E-terms vector is advanced to that epoch and the fictitious FK4 proper
// motion term, (epoch − J2000), vanishes. (astropy's FK4 default, obstime B1950, differs by up to
// 0.5″.)
Vec fk4_to_fk5(Vec r0) {
  double const pmf = 100.0 * 60 * 60 * 360 / (2 * std::numbers::pi);
  double const bepoch = 2000.0012775;
  double const t = (bepoch - 1950) / pmf;
  Vec const a{kEterms[0] + t * kEtermsRate[0], kEterms[1] + t * kEtermsRate[1],
              kEterms[2] + t * kEtermsRate[2]};
  double const w = r0[0] * a[0] + r0[1] * a[1] + r0[2] * a[2];
  Vec const v1{r0[0] - a[0] + w * r0[0], r0[1] - a[1] + w * r0[1], r0[2] - a[2] + w * r0[2]};
  return normalised(mul(kFk4Position, v1));
}

Vec fk5_to_fk4(Vec target) {
  Vec x = mul_t(kFk4Position, target);
  for (int k = 0; k < 6; ++k) {
    Vec const f = fk4_to_fk5(x);
    Vec const d = mul_t(kFk4Position, Vec{target[0] - f[0], target[1] - f[1], target[2] - f[2]});
    x = normalised(Vec{x[0] + d[0], x[1] + d[1], x[2] + d[2]});
  }
  return x;
}

Vec to_fk5(Frame f, Vec v) {
  switch (f) {
    case Frame::fk5:
      return v;
    case Frame::icrs:
      return mul(icrs_matrix(), v);
    case Frame::galactic:
      return mul_t(kGalactic, v);
    case Frame::ecliptic:
      return mul_t(ecliptic_matrix(), v);
    case Frame::fk4:
      return fk4_to_fk5(v);
  }
  return v;
}

Vec from_fk5(Frame f, Vec v) {
  switch (f) {
    case Frame::fk5:
      return v;
    case Frame::icrs:
      return mul_t(icrs_matrix(), v);
    case Frame::galactic:
      return mul(kGalactic, v);
    case Frame::ecliptic:
      return mul(ecliptic_matrix(), v);
    case Frame::fk4:
      return fk5_to_fk4(v);
  }
  return v;
}

}  // namespace

std::string_view to_string(Frame f) {
  switch (f) {
    case Frame::fk5:
      return "fk5";
    case Frame::icrs:
      return "icrs";
    case Frame::fk4:
      return "fk4";
    case Frame::galactic:
      return "galactic";
    case Frame::ecliptic:
      return "ecliptic";
  }
  return "fk5";
}

std::array<double, 2> convert(Frame from, Frame to, std::array<double, 2> ll) {
  if (from == to) {
    auto out = ll;
    out[0] = std::fmod(out[0], 360.0);
    if (out[0] < 0) out[0] += 360;
    return out;
  }
  return lonlat(from_fk5(to, to_fk5(from, vec(ll))));
}

}  // namespace astropixel::pyramid
