#pragma once
// Display conversion of 16-bit, float and FITS data: one stretch for the whole image, computed from
// a sample of every pixel's value (NaN-aware), so neighbouring tiles never disagree.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "pyramid/stretch_colormap.hpp"

namespace astropixel::pyramid {

enum class StretchKind { linear, zscale, log, sqrt, asinh, squared, sinh, histeq };

struct StretchOptions {
  StretchKind kind = StretchKind::linear;
  double low_percent = 0.25, high_percent = 99.75;  // linear/log/sqrt/asinh cut percentiles
  std::optional<std::pair<double, double>> cuts;    // explicit data values, overriding percentiles
  double asinh_softening = 0.1;
  double log_exponent = 1000;  // "a" in log10(a·x + 1) / log10(a + 1)
  double zscale_contrast = 0.25;
  double sinh_softening = 1.0 / 3;  // "a" in sinh(x / a) / sinh(1 / a) (astropy's SinhStretch)
  // histeq: the data's quantiles (value at probability i / (n - 1), non-decreasing), the cumulative
  // distribution the equalisation follows. The build passes its sample's, live tiles the stored ones
  // (data_stats.hpp), so both make the same table.
  std::vector<double> quantiles;
  Colormap colormap;  // after the stretch: grey keeps one band
  // Blank pixels become transparent through an alpha band; off when the tiles cannot show
  // transparency (JPEG), where they are black either way and the band would only cost time.
  bool transparent_blanks = true;
};

// "linear", "zscale", "log", "sqrt", "asinh", "squared", "sinh", "histeq". Errors: validation
// (invalid_stretch).
Result<StretchKind> parse_stretch(std::string_view name);
std::string_view to_string(StretchKind kind);

class Stretch {
 public:
  // Computes the cuts from `sample` (finite values only; reordered in place).
  // Errors: unprocessable (no_valid_pixels) when the sample is empty; validation (invalid_stretch)
  // for histeq without quantiles.
  static Result<Stretch> fit(std::vector<float>& sample, StretchOptions const& options);

  // Maps one data value to 0-255.
  unsigned char apply(float v) const;
  // The same through a table over the normalised range (within one level of apply(); what tiles
  // use: a multiply, a clamp and a load instead of a rounding and, for log/asinh, a transcendental).
  // NaN maps to 0.
  unsigned char map(float v) const {
    float x = (v - lowf_) * scalef_;
    x = x > 0.f ? (x < 1.f ? x : 1.f) : 0.f;
    return (*table_)[static_cast<std::uint32_t>(x * static_cast<float>(kTableSize - 1) + 0.5f)];
  }
  double low() const { return low_; }
  double high() const { return high_; }
  StretchKind kind() const { return kind_; }
  Colormap const& colormap() const { return colormap_; }
  // Display bands of a mapped value: 1 (grey) or 3 (a colour map), before any alpha.
  int colour_bands() const { return colormap_.is_grey() ? 1 : 3; }
  std::string describe_json() const;

 private:
  double cdf(double v) const;
  StretchKind kind_ = StretchKind::linear;
  static constexpr std::size_t kTableSize = 65536;
  double low_ = 0, high_ = 1, scale_ = 1, param_ = 0, norm_ = 1;
  double cdf_low_ = 0, cdf_span_ = 1;  // histeq: the distribution at the low cut, and its rise to the high
  std::vector<double> quantiles_;
  Colormap colormap_;
  float lowf_ = 0, scalef_ = 1;
  std::shared_ptr<std::array<unsigned char, kTableSize>> table_;
};

// IRAF's zscale on a sorted sample: the cuts (z1, z2). Exposed for tests.
std::pair<double, double> zscale_cuts(std::span<float const> sorted, double contrast);

}  // namespace astropixel::pyramid
