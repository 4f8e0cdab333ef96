#include "pyramid/sky_frame.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace astropixel::pyramid {
namespace {

double arcsec(std::array<double, 2> a, std::array<double, 2> b) {
  double const d2r = 3.141592653589793 / 180;
  double dl = a[0] - b[0];
  if (dl > 180) dl -= 360;
  if (dl < -180) dl += 360;
  return std::hypot(dl * std::cos(a[1] * d2r), a[1] - b[1]) * 3600;
}

TEST(SkyFrame, GalacticCentreAndPole) {
  // The galactic centre and north pole in FK5 J2000 (Hipparcos vol. 1, sect. 1.5.3 / Liu et al. 2011).
  EXPECT_LT(arcsec(convert(Frame::galactic, Frame::fk5, {0, 0}), {266.404996, -28.936172}), 0.05);
  EXPECT_LT(arcsec(convert(Frame::galactic, Frame::fk5, {0, 90}), {192.859481, 27.128251}), 0.05);
  auto g = convert(Frame::fk5, Frame::galactic, {266.404996, -28.936172});
  EXPECT_LT(arcsec(g, {0, 0}), 0.05);
}

TEST(SkyFrame, EclipticOfJ2000) {
  EXPECT_LT(arcsec(convert(Frame::ecliptic, Frame::fk5, {0, 0}), {0, 0}), 1e-6);
  // The ecliptic north pole: RA 18h, Dec 90° − ε.
  EXPECT_LT(arcsec(convert(Frame::ecliptic, Frame::fk5, {0, 90}), {270, 90 - 84381.448 / 3600}), 1e-6);
  EXPECT_LT(arcsec(convert(Frame::fk5, Frame::ecliptic, {270, 90 - 84381.448 / 3600}), {90, 90}), 1e-3);
}

TEST(SkyFrame, Fk4B1950ToFk5J2000) {
  // The galactic pole as defined in FK4 B1950 (12h49m, +27°24′) is FK5 J2000 (192.859481,
  // 27.128251) to within the definition's rounding (sla_FK45Z, as DS9 and astropy convert).
  EXPECT_LT(arcsec(convert(Frame::fk4, Frame::fk5, {192.25, 27.4}), {192.859481, 27.128251}), 0.5);
  // Through galactic: the B1950 galactic centre (17h42m26.603s, −28°55′00.445″).
  EXPECT_LT(arcsec(convert(Frame::fk4, Frame::galactic, {265.6108458, -28.9167903}), {0, 0}), 1.0);
  for (std::array<double, 2> p : {std::array<double, 2>{10, 20}, {200, -60}, {359.9, 89}, {0, -89.5}}) {
    auto back = convert(Frame::fk5, Frame::fk4, convert(Frame::fk4, Frame::fk5, p));
    EXPECT_LT(arcsec(back, p), 1e-6) << p[0] << "," << p[1];
  }
}

TEST(SkyFrame, IcrsDiffersFromFk5ByTheFrameBiasAndLongitudeWraps) {
  auto p = convert(Frame::icrs, Frame::fk5, {-10, 5});
  double const d = arcsec(p, {350, 5});
  EXPECT_GT(d, 0.01);
  EXPECT_LT(d, 0.05);
  EXPECT_LT(arcsec(convert(Frame::fk5, Frame::icrs, p), {350, 5}), 1e-9);
  auto q = convert(Frame::galactic, Frame::galactic, {-10, 5});
  EXPECT_DOUBLE_EQ(q[0], 350);
}

}  // namespace
}  // namespace astropixel::pyramid
