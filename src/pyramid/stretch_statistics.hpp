#pragma once
// What the display controls need to know about a mono image's values, measured once while the
// pyramid is built (the stretch's sampling pass already reads them): extremes, percentiles for the
// cut presets, zscale cuts, a histogram to draw and the quantiles histogram equalisation follows.
// Stored in the pack metadata as "data_stats" (docs/adr/0024-data-pyramid-and-live-stretch.md).
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace astropixel::pyramid {

struct DataStatistics {
  std::uint64_t sample_size = 0;
  double min = 0, max = 0;  // over every value the sampling pass read, not only the sample
  double mean = 0, stddev = 0, median = 0;
  std::vector<std::pair<double, double>> percentiles;  // (percent, value), the presets' cuts
  std::pair<double, double> zscale;
  std::vector<std::uint64_t> histogram;  // kHistogramBins counts of the sample between min and max
  // The same between the 0.025 and 99.975 % values, where a few outliers (stars, hot pixels) do not
  // squeeze the bulk of the data into one bin; `below`/`above` count the sample outside.
  double core_low = 0, core_high = 0;
  std::vector<std::uint64_t> core_histogram;
  std::uint64_t core_below = 0, core_above = 0;
  std::vector<double> quantiles;  // kQuantiles values: at probability i / (kQuantiles - 1)

  static constexpr std::size_t kHistogramBins = 256;
  static constexpr std::size_t kQuantiles = 1001;
  std::string to_json() const;
};

// The percentiles stored for the presets: a preset "p %" keeps the central p % of the values (DS9's
// scale limits), so 99.5 % cuts at 0.25/99.75, the build's default; 90-99.95 % need these.
inline constexpr double kPresetPercentiles[] = {
    0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10, 90, 95, 97.5, 98, 99, 99.5, 99.75, 99.9, 99.95, 99.975};

// The value at `percent` of a sorted sample, chosen exactly as Stretch::fit chooses its cuts.
double percentile_of_sorted(std::span<float const> sorted, double percent);

// `sorted`: the finite sample in ascending order (not empty); `min`/`max`: the extremes of every
// finite value read.
DataStatistics describe_sample(std::span<float const> sorted, double min, double max, double zscale_contrast);

}  // namespace astropixel::pyramid
