#include "http/request_id.hpp"

#include "core/ids.hpp"

namespace astropixel::http {
namespace {

bool lower_hex(std::string_view s, std::size_t n) {
  if (s.size() != n) return false;
  bool nonzero = false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    nonzero |= c != '0';
  }
  return nonzero;
}

}  // namespace

bool is_valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-' || c == ':';
    if (!ok) return false;
  }
  return true;
}

std::string choose_request_id(std::string_view incoming) {
  return is_valid_request_id(incoming) ? std::string(incoming) : correlation_id();
}

std::optional<TraceParent> parse_traceparent(std::string_view h) {
  // version "-" trace-id "-" parent-id "-" flags; future versions may append fields after flags.
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  auto version = h.substr(0, 2);
  if (!lower_hex(version, 2) && version != "00") return std::nullopt;
  if (version == "ff") return std::nullopt;
  if (version == "00" && h.size() != 55) return std::nullopt;
  auto flags = h.substr(53, 2);
  for (char c : flags) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  auto trace = h.substr(3, 32), parent = h.substr(36, 16);
  if (!lower_hex(trace, 32) || !lower_hex(parent, 16)) return std::nullopt;
  return TraceParent{std::string(trace), std::string(parent)};
}

}  // namespace astropixel::http
