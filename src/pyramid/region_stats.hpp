#pragma once
// Measurements over the original values of a data pyramid's full-resolution level: statistics of
// the pixels inside a region (DS9's region statistics: count, sum, mean, median, standard
// deviation, min, max) and the values along a line (DS9's projection). A pixel belongs to a region
// when its centre does, in the viewer's image coordinates (x right, y down from the top-left
// corner; pixel (i, j) covers [i, i+1) × [j, j+1)).
//
// Memory stays bounded whatever the region: values are read one data tile at a time, and the
// median is found exactly by narrowing a histogram over passes until the values of the bin that
// holds it fit a bounded buffer.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "pyramid/geometry.hpp"

namespace astropixel::pyramid {

struct Region {
  enum class Kind { rectangle, circle, polygon };
  Kind kind = Kind::rectangle;
  double x = 0, y = 0, width = 0, height = 0;       // rectangle: corner and size; circle: centre (x, y)
  double radius = 0;                                // circle
  std::vector<std::pair<double, double>> points{};  // polygon vertices (at least 3)

  bool contains(double px, double py) const;
};

// The full-resolution pixels a region may cover, clipped to the image: [x0, x1) × [y0, y1).
struct PixelBox {
  std::int64_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  std::int64_t area() const { return x1 > x0 && y1 > y0 ? (x1 - x0) * (y1 - y0) : 0; }
};
PixelBox bounding_pixels(Region const& region, std::uint32_t width, std::uint32_t height);

struct RegionStatistics {
  std::uint64_t pixels = 0;                                         // inside the region and not blank
  std::uint64_t blank = 0;                                          // inside the region and blank (NaN)
  double sum = 0, mean = 0, median = 0, std = 0, min = 0, max = 0;  // over `pixels`; 0 when none
};

// One full-resolution data tile's values (row-major, the tile's own width), decoded.
using DataTileReader =
    std::function<Result<std::shared_ptr<std::vector<float> const>>(std::uint32_t col, std::uint32_t row)>;

// Errors: what `read` returns. `collect_limit`: the most values held at once for the median (the
// default, 16 MiB of floats; tests lower it to exercise the narrowing).
Result<RegionStatistics> region_statistics(Region const& region, Geometry const& geometry,
                                           DataTileReader const& read,
                                           std::uint64_t collect_limit = 4u << 20);

struct ProfileSample {
  double distance = 0;  // pixels from the line's start
  std::int64_t x = 0, y = 0;
  std::optional<float> value;  // none: blank, or outside the image
};

// The values at `samples` evenly spaced points from (x1, y1) to (x2, y2), both ends included
// (the pixel under each point, as DS9's projection reads them). Errors: what `read` returns.
Result<std::vector<ProfileSample>> line_profile(double x1, double y1, double x2, double y2, int samples,
                                                Geometry const& geometry, DataTileReader const& read);

}  // namespace astropixel::pyramid
