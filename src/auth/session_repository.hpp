#pragma once
// Sign-in sessions and their rotating refresh tokens, owned by auth/ and implemented in db/.
// A session is one sign-in (a token family). Refresh tokens are stored only as SHA-256 digests.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/user.hpp"
#include "core/error.hpp"

namespace astropixel::auth {

struct Session {
  std::string id;
  std::string user_id;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;  // when its refresh token stops working (Unix ms)
};

class SessionRepository {
 public:
  virtual ~SessionRepository() = default;

  // A new session with its first refresh token.
  virtual Result<Session> create(std::string_view user_id, std::string_view refresh_digest,
                                 std::int64_t expires_at, std::string_view user_agent,
                                 std::string_view ip) = 0;
  // Exchanges a refresh token for its successor in one transaction. Errors: unauthorized with reason
  // "invalid_refresh_token" (unknown, expired, session revoked) or "refresh_token_reused" (it was
  // already exchanged: the whole session is revoked, since a thief or the owner holds a copy).
  virtual Result<Session> rotate(std::string_view refresh_digest, std::string_view next_digest,
                                 std::int64_t next_expires_at, std::int64_t now) = 0;
  // The user of an active session. Errors: unauthorized when the session is revoked, expired or
  // does not belong to `user_id`.
  virtual Result<User> active_user(std::string_view session_id, std::string_view user_id,
                                   std::int64_t now) = 0;
  virtual Status revoke(std::string_view session_id, std::int64_t now) = 0;
  // Revokes every session of the user except `keep` (empty = all).
  virtual Status revoke_all(std::string_view user_id, std::string_view keep, std::int64_t now) = 0;
};

}  // namespace astropixel::auth
