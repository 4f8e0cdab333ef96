#include "pyramid/region_stats.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace astropixel::pyramid {
namespace {

// Candidates for the median, narrowed pass after pass: the bins they fell in so far.
struct Narrowing {
  struct Step {
    double lo, width;
    std::size_t bin;
  };
  std::vector<Step> steps;
  static constexpr std::size_t kBins = 65536;
  static std::size_t bin_of(double v, double lo, double width) {
    if (width <= 0) return 0;
    auto b = static_cast<std::size_t>((v - lo) / width);
    return std::min(b, kBins - 1);
  }
  bool admits(float v) const {
    return std::all_of(steps.begin(), steps.end(),
                       [v](Step const& s) { return bin_of(v, s.lo, s.width) == s.bin; });
  }
};

// Where a polygon's edges cross the horizontal line at py, sorted, by the same arithmetic as
// Region::contains: a point on that line is inside (even-odd) when an odd number of crossings lie at
// or left of it. A row's pixels then cost a walk along the crossings, not a test against every edge
// (a 1,000-vertex polygon over millions of pixels).
void crossings_at(std::vector<std::pair<double, double>> const& points, double py, std::vector<double>& out) {
  out.clear();
  for (std::size_t i = 0, j = points.size() - 1; i < points.size(); j = i++) {
    auto [xi, yi] = points[i];
    auto [xj, yj] = points[j];
    if ((yi > py) != (yj > py)) out.push_back((xj - xi) * (py - yi) / (yj - yi) + xi);
  }
  std::sort(out.begin(), out.end());
}

// Calls fn(v) for every non-blank value whose pixel centre lies in the region; counts the blank ones.
template <typename Fn>
Status for_each_value(Region const& region, Geometry const& g, DataTileReader const& read,
                      std::uint64_t* blank, Fn&& fn) {
  auto box = bounding_pixels(region, g.width(), g.height());
  if (box.area() == 0) return {};
  int const top = g.max_level();
  std::int64_t const ts = g.tile_size();
  bool const polygon = region.kind == Region::Kind::polygon;
  // Polygon: each image row's crossings, found once per row of tiles (not once per tile).
  std::vector<std::vector<double>> crossings;
  for (auto row = static_cast<std::uint32_t>(box.y0 / ts); row <= (box.y1 - 1) / ts; ++row) {
    std::int64_t const first = std::max<std::int64_t>(box.y0, std::int64_t{row} * ts);
    if (polygon) {
      std::int64_t const last = std::min<std::int64_t>(box.y1, (std::int64_t{row} + 1) * ts);
      crossings.resize(static_cast<std::size_t>(last - first));
      for (std::int64_t y = first; y < last; ++y)
        crossings_at(region.points, static_cast<double>(y) + 0.5,
                     crossings[static_cast<std::size_t>(y - first)]);
    }
    for (auto col = static_cast<std::uint32_t>(box.x0 / ts); col <= (box.x1 - 1) / ts; ++col) {
      auto rect = g.tile(top, col, row);
      std::int64_t const x0 = std::max<std::int64_t>(box.x0, rect.x),
                         x1 = std::min<std::int64_t>(box.x1, rect.x + rect.width);
      std::int64_t const y0 = std::max<std::int64_t>(box.y0, rect.y),
                         y1 = std::min<std::int64_t>(box.y1, rect.y + rect.height);
      if (x0 >= x1 || y0 >= y1) continue;
      auto values = read(col, row);
      if (!values) return values.error();
      auto const& v = **values;
      for (std::int64_t y = y0; y < y1; ++y) {
        float const* line = v.data() + static_cast<std::size_t>(y - rect.y) * rect.width;
        double const py = static_cast<double>(y) + 0.5;
        // Polygon: the crossings at or left of the current pixel centre.
        auto const* at = polygon ? &crossings[static_cast<std::size_t>(y - first)] : nullptr;
        std::size_t left =
            at ? static_cast<std::size_t>(
                     std::upper_bound(at->begin(), at->end(), static_cast<double>(x0) + 0.5) - at->begin())
               : 0;
        for (std::int64_t x = x0; x < x1; ++x) {
          double const px = static_cast<double>(x) + 0.5;
          if (at) {
            while (left < at->size() && (*at)[left] <= px) ++left;
            if (left % 2 == 0) continue;
          } else if (!region.contains(px, py)) {
            continue;
          }
          float f = line[x - rect.x];
          if (std::isnan(f)) {
            if (blank) ++*blank;
          } else {
            fn(f);
          }
        }
      }
    }
  }
  return {};
}

// The value of rank k (0-based) among the region's n values, whose range is [min, max].
Result<double> value_of_rank(Region const& region, Geometry const& g, DataTileReader const& read,
                             std::uint64_t k, double min, double max, std::uint64_t collect_limit) {
  Narrowing narrowing;
  std::uint64_t below = 0;  // values ranked before every remaining candidate
  double lo = min, hi = max;
  for (int pass = 0; pass < 8; ++pass) {
    if (lo == hi) return lo;
    double const width = (hi - lo) / static_cast<double>(Narrowing::kBins);
    std::vector<std::uint64_t> hist(Narrowing::kBins, 0);
    if (auto s = for_each_value(region, g, read, nullptr,
                                [&](float v) {
                                  if (narrowing.admits(v)) ++hist[Narrowing::bin_of(v, lo, width)];
                                });
        !s)
      return s.error();
    std::size_t b = 0;
    std::uint64_t before = below;
    while (b + 1 < hist.size() && before + hist[b] <= k) before += hist[b++];
    narrowing.steps.push_back({lo, width, b});
    below = before;
    if (hist[b] <= collect_limit) {
      std::vector<float> candidates;
      candidates.reserve(hist[b]);
      if (auto s = for_each_value(region, g, read, nullptr,
                                  [&](float v) {
                                    if (narrowing.admits(v)) candidates.push_back(v);
                                  });
          !s)
        return s.error();
      auto nth = candidates.begin() + static_cast<std::ptrdiff_t>(k - below);
      std::nth_element(candidates.begin(), nth, candidates.end());
      return static_cast<double>(*nth);
    }
    // Too many in one bin: narrow to it (its values' own range, found in the next pass).
    double next_lo = std::numeric_limits<double>::infinity(), next_hi = -next_lo;
    if (auto s = for_each_value(region, g, read, nullptr,
                                [&](float v) {
                                  if (narrowing.admits(v)) {
                                    next_lo = std::min(next_lo, static_cast<double>(v));
                                    next_hi = std::max(next_hi, static_cast<double>(v));
                                  }
                                });
        !s)
      return s.error();
    lo = next_lo;
    hi = next_hi;
  }
  return lo;  // float32 has too few values between two bins for this to be reached
}

}  // namespace

bool Region::contains(double px, double py) const {
  switch (kind) {
    case Kind::rectangle:
      return px >= x && px < x + width && py >= y && py < y + height;
    case Kind::circle:
      return (px - x) * (px - x) + (py - y) * (py - y) <= radius * radius;
    case Kind::polygon: {
      // Even-odd rule: a ray to the right crosses the boundary an odd number of times.
      bool inside = false;
      for (std::size_t i = 0, j = points.size() - 1; i < points.size(); j = i++) {
        auto [xi, yi] = points[i];
        auto [xj, yj] = points[j];
        if ((yi > py) != (yj > py) && px < (xj - xi) * (py - yi) / (yj - yi) + xi) inside = !inside;
      }
      return inside;
    }
  }
  return false;
}

PixelBox bounding_pixels(Region const& region, std::uint32_t width, std::uint32_t height) {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  switch (region.kind) {
    case Region::Kind::rectangle:
      x0 = region.x, y0 = region.y, x1 = region.x + region.width, y1 = region.y + region.height;
      break;
    case Region::Kind::circle:
      x0 = region.x - region.radius, y0 = region.y - region.radius;
      x1 = region.x + region.radius, y1 = region.y + region.radius;
      break;
    case Region::Kind::polygon:
      if (region.points.empty()) return {};
      x0 = x1 = region.points[0].first, y0 = y1 = region.points[0].second;
      for (auto [px, py] : region.points) {
        x0 = std::min(x0, px), x1 = std::max(x1, px), y0 = std::min(y0, py), y1 = std::max(y1, py);
      }
      break;
  }
  auto clamp = [](double v, std::uint32_t limit) {
    return static_cast<std::int64_t>(std::clamp(v, 0.0, static_cast<double>(limit)));
  };
  return {clamp(std::floor(x0), width), clamp(std::floor(y0), height), clamp(std::ceil(x1), width),
          clamp(std::ceil(y1), height)};
}

Result<RegionStatistics> region_statistics(Region const& region, Geometry const& g,
                                           DataTileReader const& read, std::uint64_t collect_limit) {
  RegionStatistics out;
  // Welford's running mean and squared deviations: no cancellation on large offsets (sky levels).
  double mean = 0, m2 = 0;
  long double sum = 0;
  double min = std::numeric_limits<double>::infinity(), max = -min;
  std::uint64_t n = 0;
  // Held while they fit: most regions' median then needs no second reading.
  std::vector<float> held;
  if (auto s = for_each_value(region, g, read, &out.blank,
                              [&](float f) {
                                double v = f;
                                ++n;
                                sum += v;
                                double d = v - mean;
                                mean += d / static_cast<double>(n);
                                m2 += d * (v - mean);
                                min = std::min(min, v);
                                max = std::max(max, v);
                                if (n <= collect_limit) held.push_back(f);
                              });
      !s)
    return s.error();
  out.pixels = n;
  if (n == 0) return out;
  out.sum = static_cast<double>(sum);
  out.mean = static_cast<double>(sum / static_cast<long double>(n));
  out.std = std::sqrt(m2 / static_cast<double>(n));
  out.min = min;
  out.max = max;
  // The median of an even count is the mean of the two middle values (as numpy and DS9 give it).
  if (n <= collect_limit) {
    auto upper = held.begin() + static_cast<std::ptrdiff_t>(n / 2);
    std::nth_element(held.begin(), upper, held.end());
    out.median = *upper;
    if (n % 2 == 0)
      out.median = (out.median + static_cast<double>(*std::max_element(held.begin(), upper))) / 2;
    return out;
  }
  held = {};
  auto lower = value_of_rank(region, g, read, (n - 1) / 2, min, max, collect_limit);
  if (!lower) return lower.error();
  out.median = *lower;
  if (n % 2 == 0) {
    auto upper = value_of_rank(region, g, read, n / 2, min, max, collect_limit);
    if (!upper) return upper.error();
    out.median = (*lower + *upper) / 2;
  }
  return out;
}

Result<std::vector<ProfileSample>> line_profile(double x1, double y1, double x2, double y2, int samples,
                                                Geometry const& g, DataTileReader const& read) {
  std::vector<ProfileSample> out;
  samples = std::max(samples, 1);
  out.reserve(static_cast<std::size_t>(samples));
  double const length = std::hypot(x2 - x1, y2 - y1);
  std::int64_t const ts = g.tile_size();
  std::optional<std::pair<std::uint32_t, std::uint32_t>> held;
  std::shared_ptr<std::vector<float> const> values;
  for (int i = 0; i < samples; ++i) {
    double t = samples == 1 ? 0.0 : static_cast<double>(i) / (samples - 1);
    double px = x1 + t * (x2 - x1), py = y1 + t * (y2 - y1);
    ProfileSample s{t * length, static_cast<std::int64_t>(std::floor(px)),
                    static_cast<std::int64_t>(std::floor(py)), std::nullopt};
    if (s.x >= 0 && s.y >= 0 && s.x < g.width() && s.y < g.height()) {
      std::pair<std::uint32_t, std::uint32_t> tile{static_cast<std::uint32_t>(s.x / ts),
                                                   static_cast<std::uint32_t>(s.y / ts)};
      if (held != tile) {
        auto r = read(tile.first, tile.second);
        if (!r) return r.error();
        values = *r;
        held = tile;
      }
      auto rect = g.tile(g.max_level(), tile.first, tile.second);
      float f = (*values)[static_cast<std::size_t>(s.y - rect.y) * rect.width +
                          static_cast<std::size_t>(s.x - rect.x)];
      if (!std::isnan(f)) s.value = f;
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace astropixel::pyramid
