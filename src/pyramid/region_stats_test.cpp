#include "pyramid/region_stats.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>

namespace astropixel::pyramid {
namespace {

// An image held whole, served as data tiles the way a pack serves them.
struct Image {
  std::uint32_t width, height;
  std::vector<float> pixels;
  Geometry geometry;
  int reads = 0;
  Image(std::uint32_t w, std::uint32_t h, std::uint32_t tile)
      : width(w), height(h), pixels(w * h), geometry(w, h, tile) {}
  float& at(std::uint32_t x, std::uint32_t y) { return pixels[y * width + x]; }
  DataTileReader reader() {
    return [this](std::uint32_t col, std::uint32_t row) -> Result<std::shared_ptr<std::vector<float> const>> {
      ++reads;
      auto r = geometry.tile(geometry.max_level(), col, row);
      auto out = std::make_shared<std::vector<float>>();
      for (std::uint32_t y = r.y; y < r.y + r.height; ++y)
        for (std::uint32_t x = r.x; x < r.x + r.width; ++x) out->push_back(at(x, y));
      return std::shared_ptr<std::vector<float> const>(out);
    };
  }
};

// The same figures the slow way: every pixel of the image tested, the values sorted.
RegionStatistics brute_force(Image& img, Region const& region) {
  RegionStatistics s;
  std::vector<double> v;
  for (std::uint32_t y = 0; y < img.height; ++y)
    for (std::uint32_t x = 0; x < img.width; ++x) {
      if (!region.contains(x + 0.5, y + 0.5)) continue;
      float f = img.at(x, y);
      if (std::isnan(f))
        ++s.blank;
      else
        v.push_back(f);
    }
  s.pixels = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.sum = std::accumulate(v.begin(), v.end(), 0.0);
  s.mean = s.sum / static_cast<double>(v.size());
  double sq = 0;
  for (double x : v) sq += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(sq / static_cast<double>(v.size()));
  s.min = v.front();
  s.max = v.back();
  auto n = v.size();
  s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return s;
}

void expect_same(RegionStatistics const& got, RegionStatistics const& want) {
  EXPECT_EQ(got.pixels, want.pixels);
  EXPECT_EQ(got.blank, want.blank);
  EXPECT_NEAR(got.sum, want.sum, 1e-9 * std::max(1.0, std::abs(want.sum)));
  EXPECT_NEAR(got.mean, want.mean, 1e-9 * std::max(1.0, std::abs(want.mean)));
  EXPECT_NEAR(got.std, want.std, 1e-7 * std::max(1.0, want.std));
  EXPECT_EQ(got.min, want.min);
  EXPECT_EQ(got.max, want.max);
  EXPECT_EQ(got.median, want.median);
}

Image noisy(std::uint32_t w, std::uint32_t h, std::uint32_t tile, unsigned seed) {
  Image img(w, h, tile);
  std::mt19937 rng(seed);
  std::normal_distribution<float> sky(1000.f, 15.f);
  for (auto& p : img.pixels) p = sky(rng);
  for (int i = 0; i < 40; ++i) img.pixels[rng() % img.pixels.size()] = std::nanf("");
  return img;
}

TEST(RegionStatistics, RectangleCircleAndPolygonEqualTheBruteForce) {
  auto img = noisy(157, 101, 16, 1);
  Region rect{.kind = Region::Kind::rectangle, .x = 10.3, .y = 20.7, .width = 90.2, .height = 50.5};
  Region circle{.kind = Region::Kind::circle, .x = 80, .y = 50, .radius = 37.5};
  Region poly{.kind = Region::Kind::polygon, .points = {{5, 5}, {150, 12}, {120, 95}, {60, 40}, {8, 90}}};
  for (auto const* r : {&rect, &circle, &poly}) {
    auto got = region_statistics(*r, img.geometry, img.reader());
    ASSERT_TRUE(got.has_value());
    expect_same(*got, brute_force(img, *r));
  }
}

// The polygon walk along each row's edge crossings decides every pixel as Region::contains does,
// where it is hardest: a self-crossing star, vertices and horizontal edges on pixel centres.
TEST(RegionStatistics, PolygonRowsAgreeWithContainsOnEdgesAndSelfCrossings) {
  auto img = noisy(120, 90, 16, 3);
  Region star{.kind = Region::Kind::polygon,
              .points = {{60.5, 2.5}, {80.5, 85.5}, {5.5, 30.5}, {115.5, 30.5}, {40.5, 85.5}}};
  Region stairs{
      .kind = Region::Kind::polygon,
      .points = {{10.5, 10.5}, {50.5, 10.5}, {50.5, 40.5}, {90.5, 40.5}, {90.5, 70.5}, {10.5, 70.5}}};
  for (auto const* r : {&star, &stairs}) {
    auto got = region_statistics(*r, img.geometry, img.reader());
    ASSERT_TRUE(got.has_value());
    expect_same(*got, brute_force(img, *r));
    EXPECT_GT(got->pixels, 1000u);
  }
}

TEST(RegionStatistics, TheMedianIsExactWhenItsBinHoldsTooManyValues) {
  // Collecting at most three values forces the histogram to narrow, pass after pass: over
  // distinct values, and over a plateau of equal ones.
  auto img = noisy(64, 48, 16, 2);
  for (std::uint32_t x = 0; x < 30; ++x)
    for (std::uint32_t y = 0; y < 48; ++y) img.at(x, y) = 1000.25f;
  Region all{.kind = Region::Kind::rectangle, .x = 0, .y = 0, .width = 64, .height = 48};
  Region right{.kind = Region::Kind::rectangle, .x = 30, .y = 0, .width = 34, .height = 48};
  for (auto const* r : {&all, &right}) {
    auto got = region_statistics(*r, img.geometry, img.reader(), 3);
    ASSERT_TRUE(got.has_value());
    expect_same(*got, brute_force(img, *r));
  }
}

TEST(RegionStatistics, OnlyTheTilesUnderTheRegionAreRead) {
  auto img = noisy(256, 256, 32, 3);
  Region small{.kind = Region::Kind::circle, .x = 40, .y = 40, .radius = 5};
  ASSERT_TRUE(region_statistics(small, img.geometry, img.reader()).has_value());
  EXPECT_EQ(img.reads, 1) << "one tile, read once: a small region's values are held for the median";
}

TEST(RegionStatistics, ARegionOutsideTheImageOrAllBlankHasNoPixels) {
  auto img = noisy(20, 20, 8, 4);
  Region outside{.kind = Region::Kind::rectangle, .x = 30, .y = 30, .width = 5, .height = 5};
  auto got = region_statistics(outside, img.geometry, img.reader());
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->pixels, 0u);
  for (auto& p : img.pixels) p = std::nanf("");
  Region all{.kind = Region::Kind::rectangle, .x = 0, .y = 0, .width = 20, .height = 20};
  got = region_statistics(all, img.geometry, img.reader());
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->pixels, 0u);
  EXPECT_EQ(got->blank, 400u);
}

TEST(LineProfile, SamplesThePixelsUnderEvenlySpacedPointsWithBothEnds) {
  Image img(50, 30, 16);
  for (std::uint32_t y = 0; y < 30; ++y)
    for (std::uint32_t x = 0; x < 50; ++x) img.at(x, y) = static_cast<float>(x + 100 * y);
  img.at(25, 10) = std::nanf("");
  auto p = line_profile(0.5, 10.5, 49.5, 10.5, 50, img.geometry, img.reader());
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->size(), 50u);
  for (std::size_t i = 0; i < 50; ++i) {
    EXPECT_EQ((*p)[i].x, static_cast<std::int64_t>(i));
    EXPECT_NEAR((*p)[i].distance, static_cast<double>(i), 1e-9);
    if (i == 25)
      EXPECT_FALSE((*p)[i].value.has_value()) << "blank";
    else
      EXPECT_EQ((*p)[i].value, static_cast<float>(i + 1000));
  }
  auto off = line_profile(-5, -5, 5, 5, 3, img.geometry, img.reader());
  ASSERT_TRUE(off.has_value());
  EXPECT_FALSE((*off)[0].value.has_value()) << "outside the image";
  EXPECT_EQ((*off)[1].value, 0.f);
}

}  // namespace
}  // namespace astropixel::pyramid
