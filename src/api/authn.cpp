#include "api/authn.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>

#include "core/error_catalogue.hpp"
#include "core/ids.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;

std::optional<std::string> cookie(http::Request const& req, std::string_view name) {
  if (!req.headers) return std::nullopt;
  for (auto it = req.headers->find(bhttp::field::cookie);
       it != req.headers->end() && it->name() == bhttp::field::cookie; ++it) {
    std::string_view rest = it->value();
    while (!rest.empty()) {
      auto semi = rest.find(';');
      auto pair = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
    }
  }
  return std::nullopt;
}

namespace {

bool is_safe_method(bhttp::verb v) {
  return v == bhttp::verb::get || v == bhttp::verb::head || v == bhttp::verb::options;
}

Error csrf_failed(std::string detail) {
  Error e = make_error(ErrorCode::forbidden, "CSRF check failed", std::move(detail));
  e.reason = errc::csrf_failed.code;
  return e;
}

std::optional<std::string_view> bearer(http::Request const& req) {
  auto h = req.header("Authorization");
  if (h.size() > 7 && (h.substr(0, 7) == "Bearer " || h.substr(0, 7) == "bearer ")) return h.substr(7);
  return std::nullopt;
}

}  // namespace

Authenticator::Authenticator(auth::AuthService& service, http::BlockingPool& blocking,
                             std::vector<std::string> allowed_origins, CookieSecurity security,
                             std::size_t hashing_threads)
    : service_(service),
      blocking_(blocking),
      hashing_(std::make_unique<http::BlockingPool>(std::max<std::size_t>(1, hashing_threads),
                                                    8 * std::max<std::size_t>(1, hashing_threads))),
      allowed_origins_(std::move(allowed_origins)),
      security_(security) {}

bool Authenticator::secure(http::Request const& req) const {
  switch (security_) {
    case CookieSecurity::always:
      return true;
    case CookieSecurity::never:
      return false;
    case CookieSecurity::automatic:
      return req.secure_transport;
  }
  return false;
}

bool Authenticator::origin_allowed(http::Request const& req) const {
  auto origin = req.header("Origin");
  if (origin.empty()) return true;
  auto host = req.header("Host");
  bool same = origin == "http://" + std::string(host) || origin == "https://" + std::string(host);
  return same ||
         std::find(allowed_origins_.begin(), allowed_origins_.end(), origin) != allowed_origins_.end();
}

Status Authenticator::check_sign_in(http::Request const& req) const {
  // A cross-site HTML form can post text/plain, urlencoded or multipart bodies without a CORS
  // preflight, never application/json: requiring JSON and a same-origin (or listed) Origin stops a
  // page elsewhere from signing the visitor into the attacker's account (login CSRF).
  auto type = req.header("Content-Type");
  auto media = type.substr(0, type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (!boost::beast::iequals(media, "application/json")) {
    Error e = make_error(ErrorCode::unsupported_media_type, "Send the credentials as application/json");
    e.reason = errc::json_required.code;
    return e;
  }
  if (!origin_allowed(req)) return csrf_failed("Cross-site sign-in refused");
  return {};
}

Status Authenticator::check_csrf(http::Request const& req) const {
  bool cookie_authenticated = cookie(req, kAccessCookie) || cookie(req, kRefreshCookie);
  if (is_safe_method(req.method) || bearer(req) || !cookie_authenticated) {
    return {};
  }
  if (!origin_allowed(req)) return csrf_failed("Cross-site request refused");
  auto sent = req.header("X-CSRF-Token");
  auto expected = cookie(req, kCsrfCookie);
  if (sent.empty() || !expected || sent.size() != expected->size() ||
      sodium_memcmp(sent.data(), expected->data(), sent.size()) != 0) {
    return csrf_failed("Send the ap_csrf cookie's value in the X-CSRF-Token header");
  }
  return {};
}

http::asio::awaitable<Result<std::optional<auth::Authenticated>>> Authenticator::identify(
    http::Request& req) {
  std::optional<std::string> from_cookie;
  std::string_view token;
  if (auto b = bearer(req)) {
    token = *b;  // a view into the request, which outlives this call
  } else if ((from_cookie = cookie(req, kAccessCookie))) {
    if (auto s = check_csrf(req); !s) co_return s.error();
    token = *from_cookie;
  } else {
    co_return std::optional<auth::Authenticated>{};
  }
  // Most requests (tile bursts) find their session cached and skip the database round trip.
  if (auto cached = service_.authenticate_cached(token)) {
    if (!*cached) co_return cached->error();
    co_return std::optional<auth::Authenticated>(std::move(**cached));
  }
  auto job = [this, &token] { return service_.authenticate(token); };
  auto who = co_await blocking_.run(job);
  if (!who) co_return who.error();
  co_return std::optional<auth::Authenticated>(std::move(*who));
}

http::asio::awaitable<Result<auth::Authenticated>> Authenticator::require_user(http::Request& req) {
  auto who = co_await identify(req);
  if (!who) co_return who.error();
  if (!*who) co_return auth::require_user(std::nullopt).error();
  co_return std::move(**who);
}

std::string Authenticator::set_session_cookies(http::Response& res, http::Request const& req,
                                               auth::SignIn const& s) const {
  std::string flags = secure(req) ? "; Secure" : "";
  std::string csrf = random_hex(16);
  res.headers.insert(bhttp::field::set_cookie,
                     fmt::format("{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}", kAccessCookie,
                                 s.access_token, s.access_expires_in, flags));
  res.headers.insert(bhttp::field::set_cookie,
                     fmt::format("{}={}; Path=/api/auth; HttpOnly; SameSite=Strict; Max-Age={}{}",
                                 kRefreshCookie, s.refresh_token, s.refresh_expires_in, flags));
  res.headers.insert(bhttp::field::set_cookie, fmt::format("{}={}; Path=/; SameSite=Lax; Max-Age={}{}",
                                                           kCsrfCookie, csrf, s.refresh_expires_in, flags));
  res.headers.set(bhttp::field::cache_control, "no-store");
  return csrf;
}

void Authenticator::clear_session_cookies(http::Response& res, http::Request const& req) const {
  std::string flags = secure(req) ? "; Secure" : "";
  res.headers.insert(bhttp::field::set_cookie,
                     fmt::format("{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}", kAccessCookie, flags));
  res.headers.insert(
      bhttp::field::set_cookie,
      fmt::format("{}=; Path=/api/auth; HttpOnly; SameSite=Strict; Max-Age=0{}", kRefreshCookie, flags));
  res.headers.insert(bhttp::field::set_cookie,
                     fmt::format("{}=; Path=/; SameSite=Lax; Max-Age=0{}", kCsrfCookie, flags));
}

}  // namespace astropixel::api
