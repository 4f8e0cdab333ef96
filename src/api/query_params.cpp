#include "api/query_params.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <string>

namespace astropixel::api {

Result<double> query_number(Call const& call, std::string_view name, ErrorSpec const& code) {
  auto v = call.query(name);
  double out = 0;
  if (v) {
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    if (ec == std::errc() && p == v->data() + v->size() && std::isfinite(out)) return out;
  }
  Error e = make_error(code, fmt::format("{} must be a finite number", name));
  e.field = std::string(name);
  return e;
}

Result<std::int64_t> query_int(Call const& call, std::string_view name, std::optional<std::int64_t> fallback,
                               std::int64_t lo, std::int64_t hi) {
  auto v = call.query(name);
  if (!v && fallback) return *fallback;
  std::int64_t out = 0;
  if (v) {
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    if (ec == std::errc() && p == v->data() + v->size() && out >= lo && out <= hi) return out;
  }
  Error e =
      make_error(ErrorCode::validation, fmt::format("{} must be a whole number from {} to {}", name, lo, hi));
  e.field = std::string(name);
  return e;
}

}  // namespace astropixel::api
