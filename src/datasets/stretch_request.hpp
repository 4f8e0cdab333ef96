#pragma once
// The display stretch a user asks for, as stored with the dataset: "" (the default: linear with
// percentile cuts) or JSON {"kind": "linear|zscale|log|sqrt|asinh", "cuts": [lo, hi]}.
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "pyramid/stretch.hpp"

namespace astropixel::datasets {

// Errors: validation (field "stretch") for unknown kinds, bad cuts or malformed JSON.
Result<pyramid::StretchOptions> parse_stretch_request(std::string_view json);
// Canonical JSON for `kind` and optional cuts; validates like parse_stretch_request.
Result<std::string> make_stretch_request(std::string_view kind,
                                         std::optional<std::pair<double, double>> cuts);

}  // namespace astropixel::datasets
