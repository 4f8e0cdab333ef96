#include "pyramid/overview.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace astropixel::pyramid {
namespace {

TEST(Overview, PreviewFactorIsTheLevelAtLeast512PxOnTheLongestSide) {
  EXPECT_EQ(preview_factor(300, 200), 1u);
  EXPECT_EQ(preview_factor(1022, 10), 1u);  // halving would give 511
  EXPECT_EQ(preview_factor(1023, 10), 2u);  // halving gives 512
  EXPECT_EQ(preview_factor(1024, 10), 2u);
  EXPECT_EQ(preview_factor(10, 2047), 4u);    // 512 px
  EXPECT_EQ(preview_factor(2049, 2049), 4u);  // ceil(2049 / 4) = 513
  EXPECT_EQ(preview_factor(16384, 16384), 32u);
  EXPECT_EQ(preview_factor(46000, 46000), 64u);  // 719 px
  for (std::uint32_t side : {1u, 511u, 512u, 5000u, 100000u, 4000000000u}) {
    std::uint64_t f = preview_factor(side, 1);
    std::uint64_t at = (side + f - 1) / f;
    EXPECT_TRUE(at >= kPreviewSize || f == 1) << side;
    EXPECT_LT((side + 2 * f - 1) / (2 * f), kPreviewSize) << side;
  }
}

TEST(Overview, BlockMeansCountOnlyWhatTheyGot) {
  // 5 × 3 pixels in blocks of 2: 3 × 2 blocks, the right column and bottom row partial.
  BlockMeans m(5, 3, 1, 2);
  EXPECT_EQ(m.width(), 3u);
  EXPECT_EQ(m.height(), 2u);
  float const nan = std::nanf("");
  float const row0[] = {1, 3, 5, nan, 9};
  float const row2[] = {2, 2, 2, 2, 2};
  m.add_row(0, row0);
  m.add_row(2, row2);  // row 1 never seen: a sample
  auto v = m.means();
  EXPECT_FLOAT_EQ(v[0], 2);  // (1 + 3) / 2
  EXPECT_FLOAT_EQ(v[1], 5);  // NaN not counted
  EXPECT_FLOAT_EQ(v[2], 9);
  EXPECT_FLOAT_EQ(v[3], 2);
  EXPECT_FLOAT_EQ(v[5], 2);
  BlockMeans empty(2, 2, 3, 2);
  float const blank[] = {nan, 1, 1, 1, 1, 1};  // pixel 0 blank in one band: blank in all
  empty.add_row(0, blank);
  auto e = empty.means();
  EXPECT_FLOAT_EQ(e[0], 1);
  EXPECT_FLOAT_EQ(e[1], 1);
  BlockMeans none(2, 2, 1, 2);
  EXPECT_TRUE(std::isnan(none.means()[0]));
  BlockMeans bytes(3, 1, 2, 2);
  unsigned char const b[] = {10, 20, 30, 40, 255, 0};
  bytes.add_row(0, b);
  auto bv = bytes.means();
  EXPECT_FLOAT_EQ(bv[0], 20);
  EXPECT_FLOAT_EQ(bv[1], 30);
  EXPECT_FLOAT_EQ(bv[2], 255);
  EXPECT_FLOAT_EQ(bv[3], 0);
}

TEST(Overview, HalvingIsTheLevelsBox) {
  Overview o{3, 3, 1, {0, 4, 8, 4, 8, 12, 100, 100, 100}};
  auto h = halve(o, 1);
  EXPECT_EQ(h.width, 2u);
  EXPECT_EQ(h.height, 2u);
  // (0 + 4 + 4 + 8) / 4; the odd column averages with itself; the odd row too.
  EXPECT_EQ(h.pixels, (std::vector<unsigned char>{4, 10, 100, 100}));
  auto twice = halve(o, 2);
  EXPECT_EQ(twice.width, 1u);
  EXPECT_EQ(twice.height, 1u);
  EXPECT_EQ(halve(o, 0).pixels, o.pixels);
}

}  // namespace
}  // namespace astropixel::pyramid
