// libFuzzer: access-token verification on arbitrary strings. Nothing crashes, and nothing an
// attacker can type without the key verifies (a success here is a forged token).
#include <cstdint>
#include <string_view>

#include "auth/tokens.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  static astropixel::auth::TokenCodec codec("fuzzing key that nobody else knows, 0123456789");
  auto r = codec.verify(std::string_view(reinterpret_cast<char const*>(data), size), 1'800'000'000);
  if (r) __builtin_trap();
  return 0;
}
