#include "pyramid/stretch_statistics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <numeric>

#include "pyramid/stretch.hpp"

namespace astropixel::pyramid {
namespace {

TEST(DataStatistics, PercentilesHistogramQuantilesAndExtremes) {
  std::vector<float> sorted(10001);
  std::iota(sorted.begin(), sorted.end(), 0.0f);  // 0..10000
  // The pass saw values beyond the sample's: the extremes and the histogram's range follow them.
  auto s = describe_sample(sorted, -100, 10140, 0.25);
  EXPECT_EQ(s.sample_size, 10001u);
  EXPECT_EQ(s.min, -100);
  EXPECT_EQ(s.max, 10140);
  EXPECT_EQ(s.median, 5000);
  EXPECT_NEAR(s.mean, 5000, 1e-9);
  EXPECT_NEAR(s.stddev, std::sqrt((10001.0 * 10001.0 - 1) / 12), 1e-6);
  ASSERT_EQ(s.percentiles.size(), std::size(kPresetPercentiles));
  for (auto const& [p, v] : s.percentiles) EXPECT_NEAR(v, p * 100, 1) << p;
  // The build's default cuts are two of the presets, chosen the same way.
  std::vector<float> sample = sorted;
  auto fitted = Stretch::fit(sample, {}).value();
  EXPECT_EQ(percentile_of_sorted(sorted, 0.25), fitted.low());
  EXPECT_EQ(percentile_of_sorted(sorted, 99.75), fitted.high());
  // 256 bins of 40 from -100 to 10140: two empty, then 0..19, then 40 a bin up to 9980..10000.
  ASSERT_EQ(s.histogram.size(), 256u);
  EXPECT_EQ(std::accumulate(s.histogram.begin(), s.histogram.end(), std::uint64_t{0}), 10001u);
  EXPECT_EQ(s.histogram[0] + s.histogram[1], 0u);
  EXPECT_EQ(s.histogram[2], 20u);
  EXPECT_EQ(s.histogram[3], 40u);
  EXPECT_EQ(s.histogram[252], 21u);
  EXPECT_EQ(s.histogram[253] + s.histogram[255], 0u);
  // The core histogram: 0.025 % and 99.975 % → values 2 and 9997 (floor of p · (n - 1) / 100).
  EXPECT_EQ(s.core_low, 2);
  EXPECT_EQ(s.core_high, 9997);
  EXPECT_EQ(s.core_below, 2u);
  EXPECT_EQ(s.core_above, 3u);
  EXPECT_EQ(std::accumulate(s.core_histogram.begin(), s.core_histogram.end(), std::uint64_t{0}), 10001u - 5u);
  EXPECT_EQ(s.core_histogram.front(), 40u);  // 2 … 41: (v - 2) / 9995 · 256 < 1
  EXPECT_GE(s.core_histogram.back(), 39u);   // the high value itself falls in the last bin
  ASSERT_EQ(s.quantiles.size(), 1001u);
  EXPECT_EQ(s.quantiles.front(), 0);
  EXPECT_EQ(s.quantiles[500], 5000);
  EXPECT_EQ(s.quantiles.back(), 10000);
  EXPECT_TRUE(std::is_sorted(s.quantiles.begin(), s.quantiles.end()));
  auto z = zscale_cuts(sorted, 0.25);
  EXPECT_EQ(s.zscale, z);

  auto json = boost::json::parse(s.to_json()).as_object();
  EXPECT_NEAR(json.at("percentiles").as_object().at("99.95").to_number<double>(), 9995, 1);
  EXPECT_EQ(json.at("percentiles").as_object().at("1").to_number<double>(), 100);
  EXPECT_EQ(json.at("histogram").at("counts").as_array().size(), 256u);
  EXPECT_EQ(json.at("core_histogram").at("counts").as_array().size(), 256u);
  EXPECT_EQ(json.at("core_histogram").at("above").to_number<double>(), 3);
  EXPECT_EQ(json.at("histogram").at("low").to_number<double>(), -100);
  EXPECT_EQ(json.at("quantiles").as_array().size(), 1001u);
  EXPECT_EQ(json.at("zscale").as_array()[0].to_number<double>(), z.first);
}

TEST(DataStatistics, AFlatImage) {
  std::vector<float> flat(50, 3.5f);
  auto s = describe_sample(flat, 3.5, 3.5, 0.25);
  EXPECT_EQ(s.min, 3.5);
  EXPECT_EQ(s.max, 3.5);
  EXPECT_EQ(s.histogram[0], 50u);
  EXPECT_EQ(s.stddev, 0);
}

}  // namespace
}  // namespace astropixel::pyramid
