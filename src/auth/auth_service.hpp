#pragma once
// Accounts and sessions: sign-up, sign-in with throttling, refresh-token rotation with reuse
// detection, sign-out, profile and password changes, and turning an access token into a Principal.
// Knows nothing of HTTP: cookies and headers are api/'s business.
#include <chrono>
#include <optional>
#include <string>

#include "auth/password_hasher.hpp"
#include "auth/policy.hpp"
#include "auth/session_cache.hpp"
#include "auth/session_repository.hpp"
#include "auth/tokens.hpp"
#include "auth/user_repository.hpp"
#include "ratelimit/limiter.hpp"

namespace astropixel::auth {

struct AuthSettings {
  std::chrono::seconds access_ttl{30 * 60};
  std::chrono::seconds refresh_ttl{14 * 24 * 3600};
  ratelimit::Policy login_per_ip{"login_ip", 20, std::chrono::seconds(60)};
  ratelimit::Policy login_per_account{"login_account", 5, std::chrono::seconds(300)};
  std::chrono::milliseconds session_cache_ttl{1000};  // see SessionCache
};

struct ClientInfo {
  std::string ip;
  std::string user_agent;
};

struct SignIn {
  User user;
  std::string session_id;
  std::string access_token;
  std::int64_t access_expires_in = 0;  // seconds
  std::string refresh_token;
  std::int64_t refresh_expires_in = 0;
};

struct Registration {
  std::string email, username, password, full_name;
};

class AuthService {
 public:
  AuthService(UserRepository& users, SessionRepository& sessions, PasswordHasher const& hasher,
              TokenCodec const& tokens, ratelimit::Limiter& limiter, AuthSettings settings);

  // Errors: validation (field named), conflict (email_taken / username_taken).
  Result<SignIn> register_user(Registration const& r, ClientInfo const& client);
  // Unknown account and wrong password answer identically. Errors: unauthorized
  // (invalid_credentials), forbidden (account_disabled, only with the right password),
  // rate_limited (per address and per account).
  Result<SignIn> login(std::string_view login, std::string_view password, ClientInfo const& client);
  // Errors: unauthorized (invalid_refresh_token, refresh_token_reused).
  Result<SignIn> refresh(std::string_view refresh_token, ClientInfo const& client);
  Status logout(Principal const& who);
  // Errors: unauthorized (invalid_token, token_expired, session_revoked), forbidden (account_disabled).
  Result<Authenticated> authenticate(std::string_view access_token);
  // The same answer from the session cache without touching the database: nullopt when the
  // session is not cached (call authenticate then). Token errors are answered at once.
  std::optional<Result<Authenticated>> authenticate_cached(std::string_view access_token);
  Result<User> update_profile(Principal const& who, std::optional<std::string> full_name,
                              std::optional<std::string> avatar_url);
  // Ends every other session of the user. Errors: unauthorized (wrong current password), validation.
  Status change_password(Principal const& who, std::string_view current, std::string_view next);

  // The caller's own account (the account page). Each checks the password first, throttled like
  // sign-in and on the same counters (per address, and per account and client network), so these
  // are no side door for guessing. Errors: forbidden (wrong_password, field named), rate_limited.
  Status confirm_password(Principal const& who, std::string_view password, ClientInfo const& client,
                          std::string_view field = "password");
  // Ends every other session (their refresh tokens are revoked; their access tokens are refused from
  // then on, since every request checks that its session is active). Errors: as confirm_password
  // (field current_password), validation for the new password.
  Status change_own_password(Principal const& who, std::string_view current, std::string_view next,
                             ClientInfo const& client);
  // Changes the sign-in email after the password is confirmed. Errors: as confirm_password (field
  // current_password), validation (invalid_email), conflict (email_taken).
  Result<User> change_email(Principal const& who, std::string_view email, std::string_view password,
                            ClientInfo const& client);
  // Ends every session of the user, this one included.
  Status logout_all(Principal const& who);
  // Whether the account may go: conflict (last_admin) for the last enabled administrator.
  Status check_can_delete_self(Principal const& who);
  // Deletes the caller's account and its sessions (its datasets must be removed first by the
  // caller). Errors: conflict (last_admin), not_found.
  Status delete_self(Principal const& who);

  // Administration. Disabling ends the user's sessions. An administrator cannot disable or demote
  // themselves (conflict: cannot_modify_self), so the last admin cannot lock everyone out by accident.
  Result<User> set_role(Principal const& by, std::string_view user_id, Role role);
  Result<User> set_disabled(Principal const& by, std::string_view user_id, bool disabled);
  // Deletes an account (its datasets must be removed first by the caller). Errors: conflict
  // (cannot_modify_self), not_found.
  Status delete_user(Principal const& by, std::string_view user_id);

  // For the CLI: no throttling, no session.
  Result<User> create_user(Registration const& r, Role role);
  Status set_password(std::string_view login, std::string_view password);  // ends all sessions

 private:
  Result<SignIn> start_session(User user, ClientInfo const& client);
  Error too_many_attempts(std::uint32_t retry_after) const;
  std::string issue_access(std::string const& user_id, std::string const& session_id,
                           std::int64_t now_s) const;

  UserRepository& users_;
  SessionRepository& sessions_;
  PasswordHasher const& hasher_;
  TokenCodec const& tokens_;
  ratelimit::Limiter& limiter_;
  AuthSettings settings_;
  SessionCache cache_{settings_.session_cache_ttl};
};

}  // namespace astropixel::auth
