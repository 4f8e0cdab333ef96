#include "pyramid/stretch_statistics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "pyramid/stretch.hpp"

namespace astropixel::pyramid {

double percentile_of_sorted(std::span<float const> sorted, double percent) {
  auto k = static_cast<std::size_t>(std::clamp(percent / 100.0, 0.0, 1.0) *
                                    static_cast<double>(sorted.size() - 1));
  return sorted[k];
}

DataStatistics describe_sample(std::span<float const> sorted, double min, double max,
                               double zscale_contrast) {
  DataStatistics s;
  auto const n = sorted.size();
  s.sample_size = n;
  // The sample's own extremes bound the true ones when the pass read only part of the image.
  s.min = std::min(min, static_cast<double>(sorted.front()));
  s.max = std::max(max, static_cast<double>(sorted.back()));
  double sum = 0, sum2 = 0;
  for (float v : sorted) sum += v;
  s.mean = sum / static_cast<double>(n);
  for (float v : sorted) sum2 += (v - s.mean) * (v - s.mean);
  s.stddev = std::sqrt(sum2 / static_cast<double>(n));
  s.median = percentile_of_sorted(sorted, 50);
  for (double p : kPresetPercentiles) s.percentiles.emplace_back(p, percentile_of_sorted(sorted, p));
  s.zscale = zscale_cuts(sorted, zscale_contrast);
  // Counts of the sample in kHistogramBins bins over [low, high]; the last bin includes high.
  auto bin_counts = [&](double low, double high, std::uint64_t* below, std::uint64_t* above) {
    std::vector<std::uint64_t> counts(DataStatistics::kHistogramBins, 0);
    double const width = high - low;
    for (float v : sorted) {
      if (v < low) {
        if (below) ++*below;
        continue;
      }
      if (v > high) {
        if (above) ++*above;
        continue;
      }
      auto bin = width > 0 ? static_cast<std::size_t>((v - low) / width * DataStatistics::kHistogramBins) : 0;
      ++counts[std::min(bin, DataStatistics::kHistogramBins - 1)];
    }
    return counts;
  };
  s.histogram = bin_counts(s.min, s.max, nullptr, nullptr);
  s.core_low = percentile_of_sorted(sorted, 0.025);
  s.core_high = percentile_of_sorted(sorted, 99.975);
  s.core_histogram = bin_counts(s.core_low, s.core_high, &s.core_below, &s.core_above);
  s.quantiles.reserve(DataStatistics::kQuantiles);
  for (std::size_t i = 0; i < DataStatistics::kQuantiles; ++i)
    s.quantiles.push_back(
        percentile_of_sorted(sorted, 100.0 * static_cast<double>(i) / (DataStatistics::kQuantiles - 1)));
  return s;
}

std::string DataStatistics::to_json() const {
  boost::json::object percent;
  // Keys as people write them ("0.5", "99.95"): fmt's shortest form, not JSON's 5E-1.
  for (auto const& [p, v] : percentiles) percent[fmt::format("{}", p)] = v;
  boost::json::array counts(histogram.begin(), histogram.end()), q(quantiles.begin(), quantiles.end()),
      core(core_histogram.begin(), core_histogram.end());
  boost::json::object o{
      {"sample_size", sample_size},
      {"min", min},
      {"max", max},
      {"mean", mean},
      {"std", stddev},
      {"median", median},
      {"percentiles", std::move(percent)},
      {"zscale", boost::json::array{zscale.first, zscale.second}},
      {"histogram", boost::json::object{{"low", min}, {"high", max}, {"counts", std::move(counts)}}},
      {"core_histogram", boost::json::object{{"low", core_low},
                                             {"high", core_high},
                                             {"counts", std::move(core)},
                                             {"below", core_below},
                                             {"above", core_above}}},
      {"quantiles", std::move(q)}};
  return boost::json::serialize(o);
}

}  // namespace astropixel::pyramid
