#pragma once
// Display conversion of 16-bit, float and FITS data: one stretch for the whole image, computed from
// a sample of every pixel's value (NaN-aware), so neighbouring tiles never disagree.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace astropixel::pyramid {

enum class StretchKind { linear, zscale, log, sqrt, asinh };

struct StretchOptions {
  StretchKind kind = StretchKind::linear;
  double low_percent = 0.25, high_percent = 99.75;  // linear/log/sqrt/asinh cut percentiles
  std::optional<std::pair<double, double>> cuts;    // explicit data values, overriding percentiles
  double asinh_softening = 0.1;
  double log_exponent = 1000;  // "a" in log10(a·x + 1) / log10(a + 1)
  double zscale_contrast = 0.25;
};

// "linear", "zscale", "log", "sqrt", "asinh". Errors: validation.
Result<StretchKind> parse_stretch(std::string_view name);
std::string_view to_string(StretchKind kind);

class Stretch {
 public:
  // Computes the cuts from `sample` (finite values only; reordered in place).
  // Errors: unprocessable (no_valid_pixels) when the sample is empty.
  static Result<Stretch> fit(std::vector<float>& sample, StretchOptions const& options);

  // Maps one data value to 0-255.
  unsigned char apply(float v) const;
  double low() const { return low_; }
  double high() const { return high_; }
  StretchKind kind() const { return kind_; }
  std::string describe_json() const;

 private:
  StretchKind kind_ = StretchKind::linear;
  double low_ = 0, high_ = 1, scale_ = 1, param_ = 0, norm_ = 1;
};

// IRAF's zscale on a sorted sample: the cuts (z1, z2). Exposed for tests.
std::pair<double, double> zscale_cuts(std::span<float const> sorted, double contrast);

}  // namespace astropixel::pyramid
