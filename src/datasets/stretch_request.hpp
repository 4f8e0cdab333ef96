#pragma once
// How a user asks for a dataset to be rendered, as stored with the dataset: "" (the defaults: linear
// stretch with percentile cuts, the first FITS HDU holding an image, its plane 0) or JSON
// {"kind": "linear|zscale|log|sqrt|asinh", "cuts": [lo, hi], "hdu": n, "plane": n}.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"
#include "pyramid/float_rows.hpp"
#include "pyramid/stretch.hpp"

namespace astropixel::datasets {

// Errors: validation (field "stretch") for unknown kinds, bad cuts or malformed JSON.
Result<pyramid::StretchOptions> parse_stretch_request(std::string_view json);
// The FITS HDU and plane asked for. Errors: validation (field "hdu" or "plane").
Result<pyramid::FitsSelection> parse_fits_request(std::string_view json);
// Canonical JSON for `kind` and optional cuts; validates like parse_stretch_request.
Result<std::string> make_stretch_request(std::string_view kind,
                                         std::optional<std::pair<double, double>> cuts);

// A change to a stored request. A kind (or cuts) replaces the whole stretch; an HDU replaces the
// HDU and, unless a plane comes with it, goes back to plane 0; what is not named is kept.
struct RequestChange {
  std::optional<std::string> kind;
  std::optional<std::pair<double, double>> cuts;
  std::optional<int> hdu;
  std::optional<int> plane;
  bool empty() const { return !kind && !cuts && !hdu && !plane; }
};
// Errors: validation, as the parsers above.
Result<std::string> change_request(std::string_view stored, RequestChange const& change);

// The largest HDU and plane numbers a request may name (cfitsio numbers HDUs with an int; planes of
// real cubes stay far below this).
inline constexpr int kMaxHdu = 99'999;
inline constexpr int kMaxPlane = 1'000'000'000;

}  // namespace astropixel::datasets
