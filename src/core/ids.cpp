#include "core/ids.hpp"

#include <sodium.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace astropixel {

std::string random_hex(std::size_t n_bytes) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  std::vector<unsigned char> bytes(n_bytes);
  randombytes_buf(bytes.data(), bytes.size());
  std::string out(n_bytes * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();
  return out;
}

std::string correlation_id() {
  // ChaCha20 keystream over a per-thread random key: each call takes the next 16 bytes.
  struct State {
    unsigned char key[crypto_stream_chacha20_KEYBYTES];
    std::uint64_t counter = 0;
  };
  thread_local State state = [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    State s;
    randombytes_buf(s.key, sizeof s.key);
    return s;
  }();
  unsigned char block[64];
  unsigned char nonce[crypto_stream_chacha20_NONCEBYTES] = {};
  std::memcpy(nonce, &state.counter, sizeof state.counter);
  ++state.counter;
  crypto_stream_chacha20(block, 16, nonce, state.key);
  std::string out(33, '\0');
  sodium_bin2hex(out.data(), out.size(), block, 16);
  out.pop_back();
  return out;
}

std::string random_id() {
  return random_hex(16);
}

}  // namespace astropixel
