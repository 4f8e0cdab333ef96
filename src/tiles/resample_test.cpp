#include "tiles/resample.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace astropixel::tiles {
namespace {

// The filter written out in doubles, straight from its definition (resample.hpp): each output
// sample weighs every input sample within the radius by 1 - distance / radius, normalised.
std::vector<std::vector<double>> exact_weights(int in, int out) {
  double const scale = static_cast<double>(out) / in, radius = scale < 1 ? 1 / scale : 1;
  std::vector<std::vector<double>> m(static_cast<std::size_t>(out), std::vector<double>(in, 0.0));
  for (int o = 0; o < out; ++o) {
    double const centre = (o + 0.5) / scale - 0.5;
    double sum = 0;
    for (int i = 0; i < in; ++i) sum += m[o][i] = std::max(0.0, 1 - std::abs(i - centre) / radius);
    if (sum == 0) m[o][std::clamp(static_cast<int>(std::lround(centre)), 0, in - 1)] = sum = 1;
    for (auto& w : m[o]) w /= sum;
  }
  return m;
}

Pixels exact(Pixels const& in, int width, int height) {
  auto h = exact_weights(in.width, width), v = exact_weights(in.height, height);
  Pixels out{std::vector<unsigned char>(static_cast<std::size_t>(width) * height * in.bands), width, height,
             in.bands};
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < in.bands; ++c) {
        double sum = 0;
        for (int j = 0; j < in.height; ++j) {
          if (v[y][j] == 0) continue;
          for (int i = 0; i < in.width; ++i)
            sum += v[y][j] * h[x][i] * in.data[(static_cast<std::size_t>(j) * in.width + i) * in.bands + c];
        }
        out.data[(static_cast<std::size_t>(y) * width + x) * in.bands + c] =
            static_cast<unsigned char>(std::clamp(std::lround(sum), 0L, 255L));
      }
  return out;
}

Pixels noise(int width, int height, int bands, unsigned seed) {
  std::mt19937 rng(seed);
  Pixels p{std::vector<unsigned char>(static_cast<std::size_t>(width) * height * bands), width, height,
           bands};
  for (auto& b : p.data) b = static_cast<unsigned char>(rng() & 0xFF);
  return p;
}

int max_difference(Pixels const& a, Pixels const& b) {
  int worst = 0;
  for (std::size_t i = 0; i < a.data.size(); ++i) worst = std::max(worst, std::abs(a.data[i] - b.data[i]));
  return worst;
}

TEST(Resample, WithinOneLevelOfTheExactFilter) {
  struct Case {
    int in_w, in_h, out_w, out_h, bands;
  };
  // Reductions by under 2 (the renderer's usual case), by more (a distorted size), enlargements,
  // one axis only, and inputs narrower than the filter; for 3 and 4 bands (the vector column pass)
  // every tap count: 2, 3, 4 and more (odd and even).
  for (auto c :
       {Case{97, 61, 60, 40, 3}, Case{64, 64, 32, 32, 3}, Case{200, 9, 27, 5, 1}, Case{37, 50, 80, 71, 3},
        Case{40, 30, 40, 17, 4}, Case{40, 30, 23, 30, 2}, Case{2, 3, 1, 1, 3}, Case{1, 1, 5, 4, 1},
        Case{3, 200, 1, 7, 3}, Case{300, 20, 31, 20, 3}, Case{250, 10, 9, 4, 4}, Case{121, 7, 40, 7, 4},
        Case{121, 7, 50, 9, 3}, Case{99, 5, 70, 5, 4}}) {
    SCOPED_TRACE(::testing::Message()
                 << c.in_w << "x" << c.in_h << " -> " << c.out_w << "x" << c.out_h << " bands " << c.bands);
    auto in = noise(c.in_w, c.in_h, c.bands, static_cast<unsigned>(c.in_w * 31 + c.out_w));
    auto got = resample(in, c.out_w, c.out_h);
    ASSERT_EQ(got.width, c.out_w);
    ASSERT_EQ(got.height, c.out_h);
    ASSERT_EQ(got.bands, c.bands);
    ASSERT_EQ(got.data.size(), static_cast<std::size_t>(c.out_w) * c.out_h * c.bands);
    EXPECT_LE(max_difference(got, exact(in, c.out_w, c.out_h)), 1);
  }
}

// A distorted IIIF size (x,y,4,4092/4,2) reduces one axis by thousands: thousands of taps of a few
// units each share the rounding. With the remainder given to the heaviest tap some weights went
// negative and dark pixels wrapped round to white.
TEST(Resample, ReductionsByThousandsKeepEveryWeightPositive) {
  for (auto [in, out] : {std::pair{4092, 2}, std::pair{3975, 1}, std::pair{16000, 3}}) {
    auto t = triangle_taps(in, out);
    for (auto w : t.weight) ASSERT_GE(w, 0) << in << " -> " << out;
  }
  auto dark = noise(4, 4092, 3, 11);
  for (auto& b : dark.data) b = static_cast<unsigned char>(b & 3);  // 0..3
  auto got = resample(dark, 4, 2);
  for (auto b : got.data) EXPECT_LE(b, 3);
  EXPECT_LE(max_difference(got, exact(dark, 4, 2)), 1);
  auto bright = noise(3, 3975, 1, 12);
  EXPECT_LE(max_difference(resample(bright, 3, 1), exact(bright, 3, 1)), 2);
}

TEST(Resample, FlatStaysExactlyFlatAndExtremesSurvive) {
  for (unsigned char level : {0, 1, 128, 254, 255}) {
    Pixels in{std::vector<unsigned char>(57 * 33 * 3, level), 57, 33, 3};
    for (auto [w, h] : {std::pair{20, 11}, std::pair{100, 70}, std::pair{31, 33}}) {
      auto out = resample(in, w, h);
      for (auto b : out.data) ASSERT_EQ(b, level) << w << "x" << h;
    }
  }
}

TEST(Resample, WeightsSumToOneAndStayInside) {
  for (auto [in, out] : {std::pair{1000, 617}, std::pair{5, 2}, std::pair{3, 11}, std::pair{2, 1}}) {
    auto t = triangle_taps(in, out);
    for (int o = 0; o < out; ++o) {
      int sum = 0;
      for (int k = 0; k < t.per; ++k) sum += t.weight[static_cast<std::size_t>(o) * t.per + k];
      EXPECT_EQ(sum, Taps::kOne);
      EXPECT_GE(t.first[o], 0);
      EXPECT_LE(t.first[o] + t.per, in);
    }
  }
}

}  // namespace
}  // namespace astropixel::tiles
