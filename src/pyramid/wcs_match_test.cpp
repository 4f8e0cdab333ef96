#include "pyramid/wcs_match.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <numbers>

namespace astropixel::pyramid {
namespace {

// A WCS JSON as fits_wcs.cpp writes it, reduced to what the comparison reads: a 5 × 5 grid of
// reference points over a 1000 × 800 image with 1″ pixels, shifted by (dx, dy) pixels on the sky.
std::string grid(double dx = 0, double dy = 0, std::string system = "equatorial", double scale = 1.0) {
  boost::json::array points;
  double const dec0 = 30, deg = 1.0 / 3600;
  for (double fy : {0.02, 0.25, 0.5, 0.75, 0.98}) {
    for (double fx : {0.02, 0.25, 0.5, 0.75, 0.98}) {
      double const x = fx * 1000, y = fy * 800;
      double const dec = dec0 - (y + dy) * deg;
      double const ra = 150 - (x + dx) * deg / std::cos(dec0 * std::numbers::pi / 180);
      points.push_back(boost::json::object{{"x", x}, {"y", y}, {"ra", ra}, {"dec", dec}});
    }
  }
  return boost::json::serialize(
      boost::json::object{{"system", system}, {"pixel_scale", scale}, {"reference_points", points}});
}

TEST(WcsMatch, TheSameGridMatches) {
  EXPECT_EQ(compare_sky_grids(grid(), grid()).what, "");
  // A twentieth of a pixel is within the tolerance (a tenth).
  EXPECT_EQ(compare_sky_grids(grid(), grid(0.05, 0)).what, "");
}

TEST(WcsMatch, AShiftOfAFifthOfAPixelDoesNot) {
  auto d = compare_sky_grids(grid(), grid(0, 0.2));
  EXPECT_NE(d.what.find("0.2 pixels"), std::string::npos) << d.what;
  EXPECT_NE(d.what.find("the WCSs differ"), std::string::npos) << d.what;
}

TEST(WcsMatch, TheFinerPixelScaleDecides) {
  // 0.15 pixels of a 1″ grid is 0.15″; against a 2″ grid's 0.2″ tolerance it would pass.
  EXPECT_NE(compare_sky_grids(grid(0.15, 0, "equatorial", 1.0), grid(0, 0, "equatorial", 2.0)).what, "");
}

TEST(WcsMatch, OtherFramesOrGridsOrJunkAreDifferences) {
  EXPECT_NE(compare_sky_grids(grid(), grid(0, 0, "galactic")).what.find("frames differ"), std::string::npos);
  auto fewer = boost::json::parse(grid()).as_object();
  fewer["reference_points"].as_array().pop_back();
  EXPECT_NE(compare_sky_grids(grid(), boost::json::serialize(fewer)).what, "");
  EXPECT_NE(compare_sky_grids(grid(), "not json").what, "");
  EXPECT_NE(compare_sky_grids(grid(), "{}").what, "");
}

}  // namespace
}  // namespace astropixel::pyramid
