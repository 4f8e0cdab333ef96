#include "core/ids.hpp"

#include <sodium.h>

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

std::string random_id() {
  return random_hex(16);
}

}  // namespace astropixel
