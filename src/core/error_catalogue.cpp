#include "core/error_catalogue.hpp"

#include <array>

namespace astropixel {

namespace {
#define ASTROPIXEL_LIST_ERROR(name, kind_, message_, field_, challenge_) &errc::name,
constexpr std::array kCatalogue{ASTROPIXEL_ERROR_CODES(ASTROPIXEL_LIST_ERROR)};
#undef ASTROPIXEL_LIST_ERROR
}  // namespace

std::span<ErrorSpec const* const> error_catalogue() {
  return kCatalogue;
}

ErrorSpec const* find_error(std::string_view code) {
  for (auto const* spec : kCatalogue)
    if (spec->code == code) return spec;
  return nullptr;
}

Error make_error(ErrorSpec const& spec, std::string message, std::string detail) {
  Error e = make_error(spec.kind, message.empty() ? std::string(spec.message) : std::move(message),
                       std::move(detail));
  // A kind's own code needs no reason: machine_code() falls back to it.
  if (spec.code != to_string(spec.kind)) e.reason = std::string(spec.code);
  e.field = std::string(spec.field);
  return e;
}

}  // namespace astropixel
