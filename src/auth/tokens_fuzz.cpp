// libFuzzer: access-token verification, and the links for other viewers of an identifier, on
// arbitrary strings. Nothing crashes, and nothing an attacker can type without the key verifies (a
// success here is a forged token or link).
#include <cstdint>
#include <string_view>

#include "auth/tokens.hpp"
#include "auth/viewer_links.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  static astropixel::auth::TokenCodec codec("fuzzing key that nobody else knows, 0123456789");
  static astropixel::auth::LinkSigner links("fuzzing key that nobody else knows, 0123456789");
  std::string_view const input(reinterpret_cast<char const*>(data), size);
  auto r = codec.verify(input, 1'800'000'000);
  if (r) __builtin_trap();
  if (auto ident = astropixel::auth::split_viewer_link(input); ident && ident->link) {
    // What the identifier would name: a dataset id, and the prefix of a versioned one.
    if (ident->ident.size() > input.size()) __builtin_trap();
    for (std::int64_t epoch : {0, 1})
      if (links.verify(ident->ident, *ident->link, epoch, 0)) __builtin_trap();
  }
  return 0;
}
