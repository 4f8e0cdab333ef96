#pragma once
// Who is calling: an `Authorization: Bearer` token (API clients) or the HttpOnly session cookie
// (browsers, so <img> and tile requests authenticate without tokens in URLs). Cookie-authenticated
// unsafe requests must pass the CSRF check: an allowed Origin (when sent) and an X-CSRF-Token header
// equal to the readable ap_csrf cookie (double submit).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/auth_service.hpp"
#include "http/blocking.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace astropixel::api {

inline constexpr std::string_view kAccessCookie = "ap_access";
inline constexpr std::string_view kRefreshCookie = "ap_refresh";
inline constexpr std::string_view kCsrfCookie = "ap_csrf";

enum class CookieSecurity { automatic, always, never };

// The value of cookie `name` in the request's Cookie header(s).
std::optional<std::string> cookie(http::Request const& req, std::string_view name);

class Authenticator {
 public:
  // `hashing_threads`: password hashing (register, login, password change) runs on a pool of its
  // own that size (the hasher's concurrency), so a sign-in flood queues there and never takes the
  // threads every other request's database work runs on. Up to 8 sign-ins per thread wait there (a
  // few seconds at production cost); past that they are answered 503 with Retry-After at once, so an
  // honest sign-in never waits behind an unbounded queue.
  Authenticator(auth::AuthService& service, http::BlockingPool& blocking,
                std::vector<std::string> allowed_origins, CookieSecurity security,
                std::size_t hashing_threads = 2);

  // The caller, or nullopt for a guest. Errors: unauthorized (a token was presented and is bad),
  // forbidden (csrf_failed, account_disabled).
  http::asio::awaitable<Result<std::optional<auth::Authenticated>>> identify(http::Request& req);

  // The signed-in caller. Errors: as identify, and unauthorized (not_authenticated) for guests.
  http::asio::awaitable<Result<auth::Authenticated>> require_user(http::Request& req);

  // Passes when the request is not cookie-authenticated or carries a matching CSRF token and an
  // acceptable Origin. Errors: forbidden with reason csrf_failed.
  Status check_csrf(http::Request const& req) const;

  // For requests that sign in (register, login): an application/json body and, when an Origin is
  // sent, this site's or a listed one. Errors: unsupported_media_type (json_required), forbidden
  // (csrf_failed).
  Status check_sign_in(http::Request const& req) const;

  // Session cookies for a fresh sign-in, and the CSRF token the client must echo.
  std::string set_session_cookies(http::Response& res, http::Request const& req, auth::SignIn const& s) const;
  void clear_session_cookies(http::Response& res, http::Request const& req) const;

  auth::AuthService& service() { return service_; }
  http::BlockingPool& blocking() { return blocking_; }
  http::BlockingPool& hashing() { return *hashing_; }

 private:
  bool secure(http::Request const& req) const;
  bool origin_allowed(http::Request const& req) const;
  auth::AuthService& service_;
  http::BlockingPool& blocking_;
  std::unique_ptr<http::BlockingPool> hashing_;
  std::vector<std::string> allowed_origins_;
  CookieSecurity security_;
};

}  // namespace astropixel::api
