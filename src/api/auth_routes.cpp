#include "api/auth_routes.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "api/json_body.hpp"
#include "core/error_catalogue.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
using http::asio::awaitable;
using Reply = awaitable<Result<http::Response>>;

namespace {

auth::ClientInfo client_of(http::Request const& req) {
  return {req.client_ip, std::string(req.header("User-Agent").substr(0, 256))};
}

http::Response signed_in(Authenticator& authn, http::Request const& req, auth::SignIn const& s,
                         bhttp::status status) {
  http::Response res;
  std::string csrf = authn.set_session_cookies(res, req, s);
  boost::json::object body{{"user", user_json(s.user)},
                           {"access_token", s.access_token},
                           {"token_type", "bearer"},
                           {"expires_in", s.access_expires_in},
                           {"refresh_token", s.refresh_token},
                           {"refresh_expires_in", s.refresh_expires_in},
                           {"csrf_token", csrf}};
  auto json = http::json_response(body, status);
  json.headers = std::move(res.headers);
  json.headers.set(bhttp::field::content_type, "application/json");
  return json;
}

const http::RouteOptions kJson{.max_body = 64 * 1024, .rate_policy = "auth"};
const http::RouteOptions kRead{.max_body = 0, .rate_policy = "default"};

}  // namespace

boost::json::object user_json(auth::User const& u) {
  return {{"id", u.id},
          {"email", u.email},
          {"username", u.username},
          {"full_name", u.full_name},
          {"avatar_url", u.avatar_url},
          {"role", auth::to_string(u.role)},
          {"is_admin", u.role == auth::Role::admin},
          {"disabled", u.disabled},
          {"created_at", iso8601(u.created_at)}};
}

void add_auth_routes(http::Router& router, Authenticator& authn) {
  auto* a = &authn;

  router.add(
      bhttp::verb::post, "/api/auth/register",
      [a](http::Request& req) -> Reply {
        if (auto s = a->check_sign_in(req); !s) co_return s.error();
        auto body = co_await read_json_object(req);
        if (!body) co_return body.error();
        auth::Registration r;
        for (auto [key, out] :
             {std::pair{"email", &r.email}, {"username", &r.username}, {"password", &r.password}}) {
          auto v = required_string(*body, key);
          if (!v) co_return v.error();
          *out = std::move(*v);
        }
        auto name = optional_string(*body, "full_name");
        if (!name) co_return name.error();
        r.full_name = name->value_or("");
        auto client = client_of(req);
        auto job = [a, &r, &client] { return a->service().register_user(r, client); };
        auto s = co_await a->hashing().run(job);
        if (!s) co_return s.error();
        co_return signed_in(*a, req, *s, bhttp::status::created);
      },
      kJson);

  router.add(
      bhttp::verb::post, "/api/auth/login",
      [a](http::Request& req) -> Reply {
        if (auto s = a->check_sign_in(req); !s) co_return s.error();
        auto body = co_await read_json_object(req);
        if (!body) co_return body.error();
        // The predecessor's clients send "username" or "email"; "login" takes either.
        std::optional<std::string> login;
        for (auto key : {"login", "username", "email"}) {
          auto v = optional_string(*body, key);
          if (!v) co_return v.error();
          if (*v && !login) login = std::move(*v);
        }
        auto password = required_string(*body, "password");
        if (!password) co_return password.error();
        if (!login) {
          Error e = make_error(ErrorCode::validation, "login is required");
          e.field = "login";
          e.reason = errc::missing_field.code;
          co_return e;
        }
        auto client = client_of(req);
        auto job = [a, &login, &password, &client] { return a->service().login(*login, *password, client); };
        auto s = co_await a->hashing().run(job);
        if (!s) co_return s.error();
        co_return signed_in(*a, req, *s, bhttp::status::ok);
      },
      kJson);

  router.add(
      bhttp::verb::post, "/api/auth/refresh",
      [a](http::Request& req) -> Reply {
        std::string token;
        if (req.body->content_length().value_or(0) > 0 || req.header("Transfer-Encoding").size()) {
          auto body = co_await read_json_object(req);
          if (!body) co_return body.error();
          auto v = optional_string(*body, "refresh_token");
          if (!v) co_return v.error();
          token = v->value_or("");
        }
        if (token.empty()) {
          // From the browser: the refresh cookie, which needs the CSRF check like any cookie write.
          if (auto s = a->check_csrf(req); !s) co_return s.error();
          token = cookie(req, kRefreshCookie).value_or("");
        }
        auto client = client_of(req);
        auto job = [a, &token, &client] { return a->service().refresh(token, client); };
        auto s = co_await a->blocking().run(job);
        if (!s) co_return s.error();
        co_return signed_in(*a, req, *s, bhttp::status::ok);
      },
      kJson);

  router.add(
      bhttp::verb::post, "/api/auth/logout",
      [a](http::Request& req) -> Reply {
        auto who = co_await a->require_user(req);
        if (!who) co_return who.error();
        auto principal = who->principal;
        auto job = [a, &principal] { return a->service().logout(principal); };
        if (auto s = co_await a->blocking().run(job); !s) co_return s.error();
        http::Response res;
        res.status = bhttp::status::no_content;
        a->clear_session_cookies(res, req);
        co_return res;
      },
      kJson);

  router.add(
      bhttp::verb::get, "/api/auth/verify",
      [a](http::Request& req) -> Reply {
        auto who = co_await a->require_user(req);
        if (!who) co_return who.error();
        auto res = http::json_response({{"valid", true}, {"user", user_json(who->user)}});
        res.headers.set(bhttp::field::cache_control, "no-store");
        co_return res;
      },
      kRead);

  router.add(
      bhttp::verb::get, "/api/auth/me",
      [a](http::Request& req) -> Reply {
        auto who = co_await a->require_user(req);
        if (!who) co_return who.error();
        auto res = http::json_response(user_json(who->user));
        res.headers.set(bhttp::field::cache_control, "no-store");
        co_return res;
      },
      kRead);

  router.add(
      bhttp::verb::put, "/api/auth/me",
      [a](http::Request& req) -> Reply {
        auto who = co_await a->require_user(req);
        if (!who) co_return who.error();
        auto body = co_await read_json_object(req);
        if (!body) co_return body.error();
        auto full_name = optional_string(*body, "full_name");
        auto avatar = optional_string(*body, "avatar_url");
        auto current = optional_string(*body, "current_password");
        auto next = optional_string(*body, "new_password");
        for (auto const* r : {&full_name, &avatar, &current, &next}) {
          if (!*r) co_return r->error();
        }
        auto principal = who->principal;
        std::optional<std::string> new_password = std::move(*next), current_password = std::move(*current);
        std::optional<std::string> new_name = std::move(*full_name), new_avatar = std::move(*avatar);
        if (new_password) {
          if (!current_password) {
            Error e =
                make_error(ErrorCode::validation, "current_password is required to change the password");
            e.field = "current_password";
            e.reason = errc::missing_field.code;
            co_return e;
          }
          auto change = [a, &principal, &current_password, &new_password] {
            return a->service().change_password(principal, *current_password, *new_password);
          };
          if (auto s = co_await a->hashing().run(change); !s) co_return s.error();
        }
        auto job = [a, &principal, &new_name, &new_avatar] {
          return a->service().update_profile(principal, new_name, new_avatar);
        };
        auto user = co_await a->blocking().run(job);
        if (!user) co_return user.error();
        co_return http::json_response(user_json(*user));
      },
      kJson);
}

}  // namespace astropixel::api
