#pragma once
// argon2id password hashing (libsodium). Hashing is deliberately expensive, so at most
// `max_concurrent` hashes run at once and further callers queue: a burst of logins cannot turn into
// a CPU storm. Passwords longer than kMaxPasswordBytes are refused before any hashing.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace astropixel::auth {

inline constexpr std::size_t kMinPasswordBytes = 8;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

struct HashParams {
  unsigned long long opslimit = 2;             // libsodium's "interactive" level
  std::size_t memlimit = 64ull * 1024 * 1024;  // bytes
  std::size_t max_concurrent = 2;
};

class PasswordHasher {
 public:
  explicit PasswordHasher(HashParams params);
  ~PasswordHasher();

  // A PHC string "$argon2id$v=19$m=...,t=...,p=1$salt$hash". Errors: validation (too long),
  // internal (out of memory).
  Result<std::string> hash(std::string_view password) const;
  // Constant-time verification. Unknown accounts are verified against a dummy hash so both paths
  // cost the same (no account enumeration by timing).
  bool verify(std::string_view stored_hash, std::string_view password) const;
  bool verify_dummy(std::string_view password) const;
  // True when `stored_hash` was made with other parameters than the current ones.
  bool needs_rehash(std::string_view stored_hash) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace astropixel::auth
