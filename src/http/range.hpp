#pragma once
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

namespace astropixel::http {

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t length = 0;
};
struct WholeBody {};      // no usable Range header (absent, multi-range or not bytes): send it all
struct Unsatisfiable {};  // 416 with Content-Range: bytes */size

// Interprets a Range header against a representation of `size` bytes (RFC 9110 §14). Only single
// byte ranges are served as 206; a syntactically invalid header is ignored, as the RFC allows.
std::variant<WholeBody, ByteRange, Unsatisfiable> parse_range(std::string_view header, std::uint64_t size);

}  // namespace astropixel::http
