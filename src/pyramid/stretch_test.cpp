#include "pyramid/stretch.hpp"

#include <gtest/gtest.h>

#include <array>
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

TEST(Stretch, SquaredAndSinh) {
  auto sample = ramp(100);
  StretchOptions o;
  o.cuts = std::pair(0.0, 100.0);
  o.kind = StretchKind::squared;
  auto sq = Stretch::fit(sample, o).value();
  EXPECT_EQ(sq.apply(50), 64);  // 0.25 · 255 = 63.75
  EXPECT_EQ(sq.apply(100), 255);
  EXPECT_EQ(sq.apply(0), 0);
  o.kind = StretchKind::sinh;  // astropy's SinhStretch, a = 1/3: sinh(3x) / sinh(3)
  auto sh = Stretch::fit(sample, o).value();
  EXPECT_EQ(sh.apply(50), static_cast<int>(std::lround(std::sinh(1.5) / std::sinh(3.0) * 255)));
  EXPECT_EQ(sh.apply(100), 255);
  EXPECT_LT(sh.apply(50), 128) << "sinh darkens the middle, as squared does";
  for (auto name : {"squared", "sinh", "histeq"}) EXPECT_EQ(to_string(parse_stretch(name).value()), name);
  EXPECT_EQ(parse_stretch("gamma").error().reason, "invalid_stretch");
}

TEST(Stretch, HistogramEqualisationFollowsTheQuantiles) {
  // Values crowded at the bottom: quantile i of 10 is i²; equalisation spreads them evenly.
  StretchOptions o;
  o.kind = StretchKind::histeq;
  o.cuts = std::pair(0.0, 100.0);
  for (int i = 0; i <= 10; ++i) o.quantiles.push_back(i * i);
  auto sample = ramp(10);
  auto s = Stretch::fit(sample, o).value();
  EXPECT_EQ(s.apply(0), 0);
  EXPECT_EQ(s.apply(100), 255);
  EXPECT_EQ(s.apply(25), 128);  // the 5th of 10 quantiles
  EXPECT_EQ(s.apply(30), static_cast<int>(std::lround((5 + 5.0 / 11) / 10 * 255)));  // between 25 and 36
  // Cuts inside the distribution: the part between them is stretched to the full range.
  o.cuts = std::pair(25.0, 100.0);
  auto upper = Stretch::fit(sample, o).value();
  EXPECT_EQ(upper.apply(25), 0);
  EXPECT_EQ(upper.apply(49), static_cast<int>(std::lround(2.0 / 5 * 255)));
  // Without a distribution it cannot be made.
  o.quantiles.clear();
  EXPECT_EQ(Stretch::fit(sample, o).error().reason, "invalid_stretch");
  // Cuts where none of the data lies: linear, not a division by zero.
  o.quantiles = {0, 1, 2};
  o.cuts = std::pair(10.0, 20.0);
  EXPECT_EQ(Stretch::fit(sample, o).value().apply(15), 128);
}

TEST(Stretch, TheTableIsWithinOneLevelOfTheFunction) {
  for (auto kind : {StretchKind::linear, StretchKind::log, StretchKind::sqrt, StretchKind::asinh,
                    StretchKind::squared, StretchKind::sinh, StretchKind::histeq}) {
    auto sample = ramp(100);
    StretchOptions o;
    o.cuts = std::pair(-3.0, 5000.0);
    o.kind = kind;
    for (int i = 0; i <= 100; ++i) o.quantiles.push_back(i * i * 0.6 - 10);
    auto st = Stretch::fit(sample, o).value();
    int worst = 0;
    for (float v = -100.f; v < 5100.f; v += 0.37f) worst = std::max(worst, std::abs(st.map(v) - st.apply(v)));
    EXPECT_LE(worst, 1) << to_string(kind);
    EXPECT_EQ(st.map(-3.f), st.apply(-3.f));
    EXPECT_EQ(st.map(5000.f), 255);
    EXPECT_EQ(st.map(std::numeric_limits<float>::quiet_NaN()), 0);
  }
}

TEST(Stretch, CutsAtTheEndsOfTheDoubles) {
  // The API refuses them; the mapping must still not divide by zero or read past its quantiles.
  for (auto kind : {StretchKind::linear, StretchKind::log, StretchKind::histeq}) {
    auto sample = ramp(10);
    StretchOptions o;
    o.kind = kind;
    o.cuts = std::pair(-1e308, 1e308);
    o.quantiles = {0, 1, 2};
    auto s = Stretch::fit(sample, o).value();
    EXPECT_EQ(s.map(std::numeric_limits<float>::quiet_NaN()), 0) << to_string(kind);
    EXPECT_LE(s.map(-3e38f), s.map(3e38f)) << to_string(kind);
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

TEST(Colormap, NamesTablesAndInversion) {
  for (auto name : {"grey", "heat", "cool", "rainbow", "viridis", "inferno", "grey_r", "heat_r", "cool_r",
                    "rainbow_r", "viridis_r", "inferno_r"}) {
    auto c = parse_colormap(name);
    ASSERT_TRUE(c) << name;
    EXPECT_EQ(c->name(), name);
    auto inverted = parse_colormap(c->name().ends_with("_r") ? c->name().substr(0, c->name().size() - 2)
                                                             : c->name() + "_r")
                        .value();
    for (int level : {0, 1, 77, 128, 254, 255}) {
      for (int b = 0; b < 3; ++b)
        EXPECT_EQ(c->rgb(static_cast<unsigned char>(level))[b],
                  inverted.rgb(static_cast<unsigned char>(255 - level))[b])
            << name << " " << level;
    }
  }
  EXPECT_EQ(parse_colormap("jet").error().reason, "invalid_colormap");
  EXPECT_EQ(parse_colormap("_r").error().reason, "invalid_colormap");
  EXPECT_EQ(parse_colormap("").error().reason, "invalid_colormap");
  EXPECT_TRUE(parse_colormap("grey")->is_grey());
  EXPECT_FALSE(parse_colormap("grey_r")->is_grey());
  auto rgb = [](char const* name, int level) {
    auto const* p = parse_colormap(name).value().rgb(static_cast<unsigned char>(level));
    return std::array<int, 3>{p[0], p[1], p[2]};
  };
  using A = std::array<int, 3>;
  EXPECT_EQ(rgb("grey", 100), (A{100, 100, 100}));
  EXPECT_EQ(rgb("grey_r", 0), (A{255, 255, 255}));
  // matplotlib's published end points: viridis #440154 → #fde725, inferno #000004 → #fcffa4.
  EXPECT_EQ(rgb("viridis", 0), (A{0x44, 0x01, 0x54}));
  EXPECT_EQ(rgb("viridis", 255), (A{0xfd, 0xe7, 0x25}));
  EXPECT_EQ(rgb("inferno", 0), (A{0x00, 0x00, 0x04}));
  EXPECT_EQ(rgb("inferno", 255), (A{0xfc, 0xff, 0xa4}));
  EXPECT_EQ(rgb("viridis", 128), (A{0x21, 0x91, 0x8c}));  // matplotlib's viridis(0.5) = #21918c
  // jet: dark blue, cyan-ish green in the middle, dark red; heat: black to white through red/yellow.
  EXPECT_EQ(rgb("rainbow", 0), (A{0, 0, 128}));
  EXPECT_EQ(rgb("rainbow", 255), (A{128, 0, 0}));
  EXPECT_EQ(rgb("heat", 0), (A{0, 0, 0}));
  EXPECT_EQ(rgb("heat", 255), (A{255, 255, 255}));
  EXPECT_EQ(rgb("heat", 87), (A{255, 87, 0}));  // red full at 0.34, blue still off below 0.65
  EXPECT_EQ(rgb("cool", 255), (A{255, 255, 255}));
  EXPECT_EQ(rgb("cool", 0), (A{0, 0, 0}));
}

TEST(Colormap, StretchCarriesItAndDescribesIt) {
  auto sample = ramp(256);
  StretchOptions o;
  o.cuts = std::pair(0.0, 255.0);
  o.colormap = parse_colormap("viridis").value();
  auto s = Stretch::fit(sample, o).value();
  EXPECT_EQ(s.colour_bands(), 3);
  EXPECT_NE(s.describe_json().find(R"("colormap":"viridis")"), std::string::npos);
  o.colormap = {};
  auto grey = Stretch::fit(sample, o).value();
  EXPECT_EQ(grey.colour_bands(), 1);
  EXPECT_EQ(grey.describe_json().find("colormap"), std::string::npos);
}

}  // namespace
}  // namespace astropixel::pyramid
