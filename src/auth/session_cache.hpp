#pragma once
// Recently confirmed access tokens, so a burst of tile requests neither asks the database the same
// question hundreds of times a second nor re-verifies the same signature. Keyed by the exact token
// string (only a token that verified and whose session was active is stored); an entry is trusted
// for `ttl` and never past the token's own expiry. This process drops entries at once when it
// revokes a session or changes a user, so only another instance's revocation (or the CLI's) can
// take up to `ttl` to be felt.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/policy.hpp"
#include "auth/user.hpp"

namespace astropixel::auth {

struct Authenticated {
  Principal principal;
  User user;
};

class SessionCache {
 public:
  explicit SessionCache(std::chrono::milliseconds ttl, std::size_t max_entries = 50'000)
      : ttl_(ttl), max_entries_(max_entries) {}

  std::optional<Authenticated> find(std::string_view token, std::int64_t now_s) const;
  void remember(std::string_view token, std::int64_t expires_at_s, Authenticated const& who);
  void forget_session(std::string const& session_id);
  void forget_user(std::string const& user_id);
  void clear();

 private:
  struct Entry {
    Authenticated who;
    std::int64_t expires_at_s = 0;
    std::chrono::steady_clock::time_point at;
  };
  std::chrono::milliseconds ttl_;
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  struct TokenHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Entry, TokenHash, std::equal_to<>> entries_;  // by token
};

}  // namespace astropixel::auth
