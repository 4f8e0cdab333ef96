#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace astropixel::http {

// A client-supplied X-Request-ID is kept when it is 1-128 characters of [A-Za-z0-9._:-]; anything
// else (including log-injection attempts) is replaced by a fresh random id.
bool is_valid_request_id(std::string_view id);
std::string choose_request_id(std::string_view incoming);

struct TraceParent {
  std::string trace_id;   // 32 lowercase hex
  std::string parent_id;  // 16 lowercase hex
};
// Parses a W3C traceparent header (version 00 layout); nullopt when invalid.
std::optional<TraceParent> parse_traceparent(std::string_view header);

}  // namespace astropixel::http
