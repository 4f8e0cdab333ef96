#pragma once
// Access tokens: compact JWS with HS256 (HMAC-SHA-256, libsodium). Only HS256 is accepted (an
// allow-list, so "none" and algorithm confusion fail), tokens over kMaxTokenBytes are refused
// unparsed, and exp/nbf/iat are checked with a small clock skew.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace astropixel::auth {

inline constexpr std::size_t kMaxTokenBytes = 4096;

struct AccessClaims {
  std::string user_id;          // sub
  std::string session_id;       // sid
  std::int64_t issued_at = 0;   // iat, Unix seconds
  std::int64_t not_before = 0;  // nbf
  std::int64_t expires_at = 0;  // exp
};

class TokenCodec {
 public:
  // `secret` is the server's SECRET_KEY; the HMAC key is derived from it for this purpose only.
  explicit TokenCodec(std::string_view secret, std::chrono::seconds skew = std::chrono::seconds(30));

  std::string issue(AccessClaims const& claims) const;
  // Errors: unauthorized with reason invalid_token (malformed, wrong algorithm, bad signature,
  // too large) or token_expired / token_not_yet_valid.
  Result<AccessClaims> verify(std::string_view token, std::int64_t now_s) const;

 private:
  std::string sign(std::string_view signing_input) const;
  unsigned char key_[32];
  std::int64_t skew_s_;
};

// SHA-256 of a refresh token, hex: what the database stores instead of the token.
std::string token_digest(std::string_view token);

}  // namespace astropixel::auth
