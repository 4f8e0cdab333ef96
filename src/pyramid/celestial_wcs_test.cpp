#include "pyramid/celestial_wcs.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace astropixel::pyramid {
namespace {

std::string card(std::string const& text) {
  std::string c = text.substr(0, 80);
  c.resize(80, ' ');
  return c;
}

// A TAN header on a 400 × 300 image, 1″ pixels rotated by 30°, and a galactic CAR one.
std::string tan_header() {
  return card("NAXIS   =                    2") + card("NAXIS1  =                  400") +
         card("NAXIS2  =                  300") + card("CTYPE1  = 'RA---TAN'") +
         card("CTYPE2  = 'DEC--TAN'") + card("CRVAL1  =             83.82208") +
         card("CRVAL2  =             -5.39111") + card("CRPIX1  =                200.5") +
         card("CRPIX2  =                150.5") + card("CD1_1   =  -2.405626121623E-04") +
         card("CD1_2   =   1.388888888889E-04") + card("CD2_1   =   1.388888888889E-04") +
         card("CD2_2   =   2.405626121623E-04") + card("RADESYS = 'ICRS'") + card("END");
}

TEST(CelestialWcs, PixelIsTheInverseOfWorld) {
  CelestialWcs w;
  ASSERT_TRUE(w.parse(tan_header()));
  for (double x : {0.0, 0.5, 133.25, 399.9})
    for (double y : {0.0, 17.5, 299.0}) {
      auto sky = w.world(x, y, 300);
      ASSERT_TRUE(sky);
      auto back = w.pixel((*sky)[0], (*sky)[1], 300);
      ASSERT_TRUE(back);
      EXPECT_NEAR((*back)[0], x, 1e-7);
      EXPECT_NEAR((*back)[1], y, 1e-7);
    }
  // The reference pixel's centre: FITS (200.5, 150.5) is display (200, 300 − 150.5 + 0.5 = 150).
  auto ref = w.pixel(83.82208, -5.39111, 300);
  ASSERT_TRUE(ref);
  EXPECT_NEAR((*ref)[0], 200.0, 1e-9);
  EXPECT_NEAR((*ref)[1], 150.0, 1e-9);
}

TEST(CelestialWcs, TheFarSideOfAZenithalProjectionHasNoPixel) {
  CelestialWcs w;
  ASSERT_TRUE(w.parse(tan_header()));
  EXPECT_FALSE(w.pixel(83.82208 + 180, 5.39111, 300));
}

TEST(CelestialWcs, AGalacticHeaderWorksInItsOwnFrame) {
  CelestialWcs w;
  ASSERT_TRUE(w.parse(card("NAXIS   =                    2") + card("CTYPE1  = 'GLON-CAR'") +
                      card("CTYPE2  = 'GLAT-CAR'") + card("CRVAL1  =                  0.0") +
                      card("CRVAL2  =                  0.0") + card("CRPIX1  =                 50.5") +
                      card("CRPIX2  =                 25.5") + card("CDELT1  =                 -0.1") +
                      card("CDELT2  =                  0.1") + card("END")));
  auto p = w.pixel(359.0, 1.0, 50);  // 1° west of the centre in longitude (east is left), 1° up
  ASSERT_TRUE(p);
  EXPECT_NEAR((*p)[0], 60.0, 1e-6);
  EXPECT_NEAR((*p)[1], 15.0, 1e-6);
}

TEST(CelestialWcs, HeadersWithoutACelestialWcsAreRefused) {
  CelestialWcs w;
  EXPECT_FALSE(w.parse(card("NAXIS   =                    2") + card("CTYPE1  = 'LINEAR'") +
                       card("CTYPE2  = 'LINEAR'") + card("END")));
  CelestialWcs empty;
  EXPECT_FALSE(empty.parse(""));
}

}  // namespace
}  // namespace astropixel::pyramid
