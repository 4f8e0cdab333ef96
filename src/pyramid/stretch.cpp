#include "pyramid/stretch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error_catalogue.hpp"

namespace astropixel::pyramid {

Result<StretchKind> parse_stretch(std::string_view name) {
  if (name == "linear") return StretchKind::linear;
  if (name == "zscale") return StretchKind::zscale;
  if (name == "log") return StretchKind::log;
  if (name == "sqrt") return StretchKind::sqrt;
  if (name == "asinh") return StretchKind::asinh;
  Error e = make_error(ErrorCode::validation, "Unknown stretch", "Use linear, zscale, log, sqrt or asinh");
  e.reason = errc::invalid_stretch.code;
  return e;
}

std::string_view to_string(StretchKind kind) {
  switch (kind) {
    case StretchKind::linear:
      return "linear";
    case StretchKind::zscale:
      return "zscale";
    case StretchKind::log:
      return "log";
    case StretchKind::sqrt:
      return "sqrt";
    case StretchKind::asinh:
      return "asinh";
  }
  return "linear";
}

std::pair<double, double> zscale_cuts(std::span<float const> sorted, double contrast) {
  // Fit a line to the sorted sample with iterative k-sigma rejection; the cuts are the median
  // plus/minus the fitted slope (divided by the contrast) over the sample's index range.
  auto n = sorted.size();
  double zmin = sorted.front(), zmax = sorted.back();
  std::size_t center = (n - 1) / 2;
  double median = n % 2 ? sorted[center] : 0.5 * (sorted[center] + sorted[center + 1]);
  if (n < 5) return {zmin, zmax};
  std::vector<bool> keep(n, true);
  std::size_t min_kept = std::max<std::size_t>(5, n / 2);
  double slope = 0, intercept = median;
  for (int iteration = 0; iteration < 5; ++iteration) {
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    std::size_t m = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!keep[i]) continue;
      double x = static_cast<double>(i), y = sorted[i];
      sx += x, sy += y, sxx += x * x, sxy += x * y, ++m;
    }
    double denom = m * sxx - sx * sx;
    if (m < min_kept || denom == 0) break;
    slope = (m * sxy - sx * sy) / denom;
    intercept = (sy - slope * sx) / m;
    double ss = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (keep[i]) ss += std::pow(sorted[i] - (intercept + slope * i), 2);
    }
    double sigma = std::sqrt(ss / m);
    std::size_t rejected = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (keep[i] && std::abs(sorted[i] - (intercept + slope * i)) > 2.5 * sigma) keep[i] = false, ++rejected;
    }
    if (rejected == 0) break;
  }
  if (contrast > 0) slope /= contrast;
  double z1 = std::max(zmin, median - static_cast<double>(center) * slope);
  double z2 = std::min(zmax, median + static_cast<double>(n - 1 - center) * slope);
  return {z1, z2};
}

Result<Stretch> Stretch::fit(std::vector<float>& sample, StretchOptions const& o) {
  if (sample.empty()) {
    Error e =
        make_error(ErrorCode::unprocessable, "The image has no valid pixels", "Every pixel is blank or NaN");
    e.reason = errc::no_valid_pixels.code;
    return e;
  }
  Stretch s;
  s.kind_ = o.kind;
  if (o.cuts) {
    s.low_ = o.cuts->first;
    s.high_ = o.cuts->second;
  } else if (o.kind == StretchKind::zscale) {
    std::sort(sample.begin(), sample.end());
    std::tie(s.low_, s.high_) = zscale_cuts(sample, o.zscale_contrast);
  } else {
    auto at = [&](double percent) {
      auto k = static_cast<std::size_t>(std::clamp(percent / 100.0, 0.0, 1.0) *
                                        static_cast<double>(sample.size() - 1));
      std::nth_element(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(k), sample.end());
      return static_cast<double>(sample[k]);
    };
    s.low_ = at(o.low_percent);
    s.high_ = at(o.high_percent);
  }
  if (!(s.high_ > s.low_)) s.high_ = s.low_ + 1;  // a flat image maps to black, not to a division by zero
  s.scale_ = 1.0 / (s.high_ - s.low_);
  switch (o.kind) {
    case StretchKind::log:
      s.param_ = o.log_exponent;
      s.norm_ = 1.0 / std::log10(o.log_exponent + 1);
      break;
    case StretchKind::asinh:
      s.param_ = o.asinh_softening;
      s.norm_ = 1.0 / std::asinh(1.0 / o.asinh_softening);
      break;
    default:
      break;
  }
  // The table behind map(): apply() at 65,536 evenly spaced points of the normalised range.
  s.lowf_ = static_cast<float>(s.low_);
  s.scalef_ = static_cast<float>(s.scale_);
  s.table_ = std::make_shared<std::array<unsigned char, kTableSize>>();
  for (std::size_t i = 0; i < kTableSize; ++i) {
    (*s.table_)[i] =
        s.apply(static_cast<float>(s.low_ + static_cast<double>(i) / (kTableSize - 1) / s.scale_));
  }
  return s;
}

unsigned char Stretch::apply(float v) const {
  double x = std::clamp((static_cast<double>(v) - low_) * scale_, 0.0, 1.0);
  switch (kind_) {
    case StretchKind::linear:
    case StretchKind::zscale:
      break;
    case StretchKind::log:
      x = std::log10(param_ * x + 1) * norm_;
      break;
    case StretchKind::sqrt:
      x = std::sqrt(x);
      break;
    case StretchKind::asinh:
      x = std::asinh(x / param_) * norm_;
      break;
  }
  return static_cast<unsigned char>(std::lround(std::clamp(x, 0.0, 1.0) * 255.0));
}

std::string Stretch::describe_json() const {
  return fmt::format(R"({{"kind":"{}","low":{},"high":{},"param":{}}})", to_string(kind_), low_, high_,
                     param_);
}

}  // namespace astropixel::pyramid
