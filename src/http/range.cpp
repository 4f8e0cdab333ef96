#include "http/range.hpp"

#include <charconv>

namespace astropixel::http {
namespace {

std::optional<std::uint64_t> number(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::variant<WholeBody, ByteRange, Unsatisfiable> parse_range(std::string_view h, std::uint64_t size) {
  constexpr std::string_view kPrefix = "bytes=";
  if (!h.starts_with(kPrefix)) return WholeBody{};
  h.remove_prefix(kPrefix.size());
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
  if (h.find(',') != std::string_view::npos) return WholeBody{};
  auto dash = h.find('-');
  if (dash == std::string_view::npos) return WholeBody{};
  auto first_s = h.substr(0, dash), last_s = h.substr(dash + 1);
  if (first_s.empty()) {  // suffix range: the last N bytes
    auto n = number(last_s);
    if (!n) return WholeBody{};
    if (*n == 0 || size == 0) return Unsatisfiable{};
    std::uint64_t len = std::min(*n, size);
    return ByteRange{size - len, len};
  }
  auto first = number(first_s);
  if (!first) return WholeBody{};
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_s.empty()) {
    auto l = number(last_s);
    if (!l || *l < *first) return WholeBody{};
    last = std::min(*l, last);
  }
  if (*first >= size) return Unsatisfiable{};
  return ByteRange{*first, last - *first + 1};
}

}  // namespace astropixel::http
