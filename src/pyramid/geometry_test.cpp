#include "pyramid/geometry.hpp"

#include <gtest/gtest.h>

namespace astropixel::pyramid {
namespace {

TEST(Geometry, LevelSizesHalveRoundingUpDownTo1x1) {
  Geometry g(1000, 600, 256);
  EXPECT_EQ(g.max_level(), 10);  // 2^10 = 1024 ≥ 1000
  EXPECT_EQ(g.level_width(10), 1000u);
  EXPECT_EQ(g.level_height(10), 600u);
  EXPECT_EQ(g.level_width(9), 500u);
  EXPECT_EQ(g.level_height(9), 300u);
  EXPECT_EQ(g.level_width(8), 250u);
  EXPECT_EQ(g.level_height(8), 150u);
  EXPECT_EQ(g.level_width(1), 2u);
  EXPECT_EQ(g.level_height(1), 2u);  // ceil(600/512)
  EXPECT_EQ(g.level_width(0), 1u);
  EXPECT_EQ(g.level_height(0), 1u);
}

TEST(Geometry, TileCountsAndCroppedEdgeTiles) {
  Geometry g(1000, 600, 256);
  EXPECT_EQ(g.cols(10), 4u);
  EXPECT_EQ(g.rows(10), 3u);
  auto edge = g.tile(10, 3, 2);
  EXPECT_EQ(edge.x, 768u);
  EXPECT_EQ(edge.width, 232u);
  EXPECT_EQ(edge.height, 88u);
  EXPECT_EQ(g.tile(10, 0, 0).width, 256u);
  std::uint64_t total = 0;
  for (int l = 0; l <= g.max_level(); ++l) total += std::uint64_t{g.cols(l)} * g.rows(l);
  EXPECT_EQ(g.tile_count(), total);
  EXPECT_EQ(g.tile_index(0, 0, 0), 0u);
  EXPECT_EQ(g.tile_index(10, 3, 2), g.tile_count() - 1);
}

TEST(Geometry, XyzZoomZeroIsTheWholeImageInOneTile) {
  Geometry g(1000, 600, 256);
  EXPECT_EQ(g.single_tile_level(), 8);  // 250×150
  EXPECT_EQ(g.level_of_zoom(0), 8);
  EXPECT_EQ(g.max_zoom(), 2);
  Geometry small(200, 100, 256);
  EXPECT_EQ(small.single_tile_level(), small.max_level());
  EXPECT_EQ(small.max_zoom(), 0);
}

TEST(Geometry, ExactPowersAndSinglePixels) {
  Geometry g(256, 256, 256);
  EXPECT_EQ(g.max_level(), 8);
  EXPECT_EQ(g.cols(8), 1u);
  Geometry one(1, 1, 256);
  EXPECT_EQ(one.max_level(), 0);
  EXPECT_EQ(one.tile_count(), 1u);
  Geometry huge(46000, 46000, 256);
  EXPECT_EQ(huge.max_level(), 16);
  EXPECT_EQ(huge.cols(16), 180u);
}

}  // namespace
}  // namespace astropixel::pyramid
