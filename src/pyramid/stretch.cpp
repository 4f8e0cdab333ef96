#include "pyramid/stretch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error_catalogue.hpp"

namespace astropixel::pyramid {

Result<StretchKind> parse_stretch(std::string_view name) {
  if (name == "linear") return StretchKind::linear;
  if (name == "zscale") return StretchKind::zscale;
  if (name == "log") return StretchKind::log;
  if (name == "sqrt") return StretchKind::sqrt;
  if (name == "asinh") return StretchKind::asinh;
  if (name == "squared") return StretchKind::squared;
  if (name == "sinh") return StretchKind::sinh;
  if (name == "histeq") return StretchKind::histeq;
  Error e = make_error(ErrorCode::validation, "Unknown stretch",
                       "Use linear, zscale, log, sqrt, asinh, squared, sinh or histeq");
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
    case StretchKind::squared:
      return "squared";
    case StretchKind::sinh:
      return "sinh";
    case StretchKind::histeq:
      return "histeq";
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
  if (o.kind == StretchKind::histeq && o.quantiles.size() < 2) {
    Error e = make_error(ErrorCode::validation, "Histogram equalisation needs the data's distribution");
    e.reason = errc::invalid_stretch.code;
    return e;
  }
  Stretch s;
  s.kind_ = o.kind;
  s.colormap_ = o.colormap;
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
  // Cuts so far apart that their difference overflows (±1e308): the widest finite range instead, so
  // the scale stays a positive number and the table's points stay finite.
  if (!std::isfinite(s.high_ - s.low_)) {
    s.low_ = std::max(s.low_, -std::numeric_limits<double>::max() / 2);
    s.high_ = std::min(s.high_, std::numeric_limits<double>::max() / 2);
  }
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
    case StretchKind::sinh:
      s.param_ = o.sinh_softening;
      s.norm_ = 1.0 / std::sinh(1.0 / o.sinh_softening);
      break;
    case StretchKind::histeq: {
      s.quantiles_ = o.quantiles;
      s.cdf_low_ = s.cdf(s.low_);
      s.cdf_span_ = s.cdf(s.high_) - s.cdf_low_;
      break;
    }
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
    case StretchKind::squared:
      x = x * x;
      break;
    case StretchKind::sinh:
      x = std::sinh(x / param_) * norm_;
      break;
    case StretchKind::histeq:
      // Equal areas of the distribution between the cuts get equal shares of the grey levels; where
      // the cuts hold none of it (all data outside), the mapping falls back to linear.
      if (cdf_span_ > 0) x = (cdf(std::clamp(static_cast<double>(v), low_, high_)) - cdf_low_) / cdf_span_;
      break;
  }
  return static_cast<unsigned char>(std::lround(std::clamp(x, 0.0, 1.0) * 255.0));
}

// The fraction of the data at or below v, linear between the stored quantiles.
double Stretch::cdf(double v) const {
  auto const& q = quantiles_;
  if (!(v >= q.front())) return 0;  // NaN too: upper_bound would run past the end
  if (v >= q.back()) return 1;
  auto i = static_cast<std::size_t>(std::upper_bound(q.begin(), q.end(), v) - q.begin()) - 1;
  double const step = 1.0 / static_cast<double>(q.size() - 1);
  return (static_cast<double>(i) + (v - q[i]) / (q[i + 1] - q[i])) * step;
}

std::string Stretch::describe_json() const {
  // The colour map only when there is one, so grey pyramids describe themselves as before.
  auto colormap = colormap_.is_grey() ? std::string() : fmt::format(R"(,"colormap":"{}")", colormap_.name());
  return fmt::format(R"({{"kind":"{}","low":{},"high":{},"param":{}{}}})", to_string(kind_), low_, high_,
                     param_, colormap);
}

}  // namespace astropixel::pyramid
