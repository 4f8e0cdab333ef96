// libFuzzer: Range header parsing never crashes and never yields a range outside the body.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "http/range.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  std::uint64_t body = 0;
  if (size >= 8) {
    std::memcpy(&body, data, 8);
    data += 8;
    size -= 8;
  }
  body %= 1ull << 50;
  auto r = astropixel::http::parse_range(std::string_view(reinterpret_cast<char const*>(data), size), body);
  if (auto* b = std::get_if<astropixel::http::ByteRange>(&r)) {
    if (b->length == 0 || b->first >= body || b->length > body - b->first) __builtin_trap();
  }
  return 0;
}
