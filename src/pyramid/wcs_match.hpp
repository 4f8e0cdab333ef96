#pragma once
// Whether two images of the same size share a pixel grid on the sky, from the WCS JSON their pyramids
// recorded (pyramid/fits_wcs.hpp): the same celestial frame, and wcslib's own sky positions at the
// 25 reference pixels (a 5 × 5 grid over the image, recorded with each WCS) within a tenth of a pixel
// of each other. Comparing positions rather than keywords accepts equal grids written differently
// (CD against PC + CDELT, another CRPIX/CRVAL pair on the same tangent plane) and catches what a
// keyword diff would let through at the image's edges (a small rotation, distortion).
#include <string>

#include "core/error.hpp"

namespace astropixel::pyramid {

// How far (in pixels, at the finer pixel scale of the two) the same pixel may fall on the sky.
inline constexpr double kGridTolerancePixels = 0.1;

struct GridDifference {
  std::string what;  // a sentence naming what differs, empty when the grids match
};

// `a` and `b`: the WCS JSON objects (serialized). Never fails: malformed JSON is a difference.
GridDifference compare_sky_grids(std::string const& a, std::string const& b);

}  // namespace astropixel::pyramid
