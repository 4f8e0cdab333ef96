#include "pyramid/stretch.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>

namespace astropixel::pyramid {
namespace {

std::vector<float> ramp(int n) {
  std::vector<float> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 0.0f);
  return v;
}

TEST(Stretch, LinearPercentileCuts) {
  auto sample = ramp(10001);  // 0..10000
  auto s = Stretch::fit(sample, {}).value();
  EXPECT_NEAR(s.low(), 25, 1);
  EXPECT_NEAR(s.high(), 9975, 1);
  EXPECT_EQ(s.apply(0), 0);
  EXPECT_EQ(s.apply(10000), 255);
  EXPECT_EQ(s.apply(5000), 128);
}

TEST(Stretch, ExplicitCutsAndFunctions) {
  auto sample = ramp(100);
  StretchOptions o;
  o.cuts = std::pair(0.0, 100.0);
  o.kind = StretchKind::sqrt;
  EXPECT_EQ(Stretch::fit(sample, o).value().apply(25), 128);  // sqrt(0.25) = 0.5
  o.kind = StretchKind::log;
  EXPECT_EQ(Stretch::fit(sample, o).value().apply(100), 255);
  EXPECT_EQ(Stretch::fit(sample, o).value().apply(10),
            static_cast<int>(std::lround(std::log10(1000 * 0.1 + 1) / std::log10(1001) * 255)));
  o.kind = StretchKind::asinh;
  EXPECT_EQ(Stretch::fit(sample, o).value().apply(10),
            static_cast<int>(std::lround(std::asinh(0.1 / 0.1) / std::asinh(10) * 255)));
  EXPECT_EQ(Stretch::fit(sample, o).value().apply(-5), 0) << "clamped";
}

TEST(Stretch, TheTableIsWithinOneLevelOfTheFunction) {
  for (auto kind : {StretchKind::linear, StretchKind::log, StretchKind::sqrt, StretchKind::asinh}) {
    auto sample = ramp(100);
    StretchOptions o;
    o.cuts = std::pair(-3.0, 5000.0);
    o.kind = kind;
    auto st = Stretch::fit(sample, o).value();
    int worst = 0;
    for (float v = -100.f; v < 5100.f; v += 0.37f) worst = std::max(worst, std::abs(st.map(v) - st.apply(v)));
    EXPECT_LE(worst, 1) << to_string(kind);
    EXPECT_EQ(st.map(-3.f), st.apply(-3.f));
    EXPECT_EQ(st.map(5000.f), 255);
    EXPECT_EQ(st.map(std::numeric_limits<float>::quiet_NaN()), 0);
  }
}

TEST(Stretch, ZscaleIgnoresOutliers) {
  // A flat sky of 1000 ± noise with a few very bright stars: zscale cuts stay near the sky.
  std::vector<float> sample;
  for (int i = 0; i < 10000; ++i) sample.push_back(1000.0f + static_cast<float>((i * 7919) % 101) - 50.0f);
  for (int i = 0; i < 20; ++i) sample.push_back(60000.0f);
  StretchOptions o;
  o.kind = StretchKind::zscale;
  auto s = Stretch::fit(sample, o).value();
  // Uniform ±50 noise: the fitted slope spans 100 over the sample, widened 4× by contrast 0.25, so
  // the cuts sit near median ± 200, clipped at the data minimum; the stars do not move them.
  EXPECT_NEAR(s.low(), 950, 1);
  EXPECT_NEAR(s.high(), 1200, 10);
}

TEST(Stretch, FlatAndEmptyImages) {
  std::vector<float> flat(100, 7.0f);
  auto s = Stretch::fit(flat, {}).value();
  EXPECT_EQ(s.apply(7.0f), 0);
  std::vector<float> none;
  EXPECT_EQ(Stretch::fit(none, {}).error().reason, "no_valid_pixels");
}

}  // namespace
}  // namespace astropixel::pyramid
