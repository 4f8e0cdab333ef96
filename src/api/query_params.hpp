#pragma once
// Numbers read from a request's query string, refused in words that name the parameter: the one
// place endpoints turn `?x=12.5` into a value, so every handler rejects "12abc", "nan" and
// out-of-range input the same way.
#include <cstdint>
#include <optional>
#include <string_view>

#include "api/endpoint.hpp"
#include "core/error_catalogue.hpp"

namespace astropixel::api {

// A finite number (from_chars' grammar: no "+", no spaces). Missing or malformed: `code` (400
// validation_error unless a finer one is given) naming the parameter as the error's field.
Result<double> query_number(Call const& call, std::string_view name,
                            ErrorSpec const& code = errc::validation_error);

// A whole number in [lo, hi]; `fallback` when the parameter is absent (required when none).
Result<std::int64_t> query_int(Call const& call, std::string_view name, std::optional<std::int64_t> fallback,
                               std::int64_t lo, std::int64_t hi);

}  // namespace astropixel::api
