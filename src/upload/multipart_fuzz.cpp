// libFuzzer: the streaming multipart/form-data parser, fed in chunks whose sizes come from the
// input itself, so every split of a delimiter across reads is tried.
#include <cstdint>
#include <string>

#include "upload/multipart.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  using astropixel::upload::MultipartParser;
  if (size < 1) return 0;
  std::size_t chunk = 1 + data[0] % 64;
  std::uint64_t body_bytes = 0;
  MultipartParser::Handlers h;
  h.begin = [](astropixel::upload::PartInfo const&) -> astropixel::Status { return {}; };
  h.data = [&](std::span<char const> b) -> astropixel::Status {
    body_bytes += b.size();
    return {};
  };
  h.end = []() -> astropixel::Status { return {}; };
  MultipartParser parser("XyZboundary", h);
  auto const* p = reinterpret_cast<char const*>(data + 1);
  std::size_t left = size - 1;
  while (left > 0) {
    auto n = std::min(chunk, left);
    if (!parser.feed(std::span<char const>(p, n))) return 0;
    p += n;
    left -= n;
  }
  (void)parser.finish();
  if (body_bytes > size) __builtin_trap();  // a part can never hold more than was sent
  return 0;
}
