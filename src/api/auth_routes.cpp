#include "api/auth_routes.hpp"

#include <boost/json.hpp>

#include "api/json_body.hpp"
#include "core/error_catalogue.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
using bhttp::verb;

namespace {

auth::ClientInfo client_of(http::Request const& req) {
  return {req.client_ip, std::string(req.header("User-Agent").substr(0, 256))};
}

Error missing(std::string_view field, std::string message) {
  Error e = make_error(ErrorCode::validation, std::move(message));
  e.field = std::string(field);
  e.reason = errc::missing_field.code;
  return e;
}

// A fresh sign-in: the session cookies (browsers) and the tokens (API clients).
Answer signed_in(Authenticator& authn, http::Request const& req, auth::SignIn const& s,
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
  return Answer::of(std::move(json));
}

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

Result<auth::Registration> registration(boost::json::object const& body) {
  auth::Registration r;
  for (auto [key, out] :
       {std::pair{"email", &r.email}, {"username", &r.username}, {"password", &r.password}}) {
    auto v = required_string(body, key);
    if (!v) return v.error();
    *out = std::move(*v);
  }
  auto name = optional_string(body, "full_name");
  if (!name) return name.error();
  r.full_name = name->value_or("");
  return r;
}

Result<Credentials> credentials(boost::json::object const& body) {
  // The predecessor's clients send "username" or "email"; "login" takes either.
  std::optional<std::string> login;
  for (auto key : {"login", "username", "email"}) {
    auto v = optional_string(body, key);
    if (!v) return v.error();
    if (*v && !login) login = std::move(*v);
  }
  auto password = required_string(body, "password");
  if (!password) return password.error();
  if (!login) return missing("login", "login is required");
  return Credentials{std::move(*login), std::move(*password)};
}

Result<ProfileChange> profile_change(boost::json::object const& body) {
  ProfileChange c;
  for (auto [key, out] : {std::pair{"full_name", &c.full_name},
                          {"avatar_url", &c.avatar_url},
                          {"email", &c.email},
                          {"current_password", &c.current_password},
                          {"new_password", &c.new_password}}) {
    auto v = optional_string(body, key);
    if (!v) return v.error();
    *out = std::move(*v);
  }
  if (c.new_password && !c.current_password)
    return missing("current_password", "current_password is required to change the password");
  if (c.email && !c.current_password)
    return missing("current_password", "current_password is required to change the email");
  return c;
}

Result<Answer> register_user(Call& call, Authenticator& authn) {
  auto r = registration(call.body);
  if (!r) return r.error();
  auto s = authn.service().register_user(*r, client_of(call.request));
  if (!s) return s.error();
  return signed_in(authn, call.request, *s, bhttp::status::created);
}

Result<Answer> log_in(Call& call, Authenticator& authn) {
  auto c = credentials(call.body);
  if (!c) return c.error();
  auto s = authn.service().login(c->login, c->password, client_of(call.request));
  if (!s) return s.error();
  return signed_in(authn, call.request, *s, bhttp::status::ok);
}

Result<Answer> refresh(Call& call, Authenticator& authn) {
  auto v = optional_string(call.body, "refresh_token");
  if (!v) return v.error();
  std::string token = v->value_or("");
  if (token.empty()) {
    // From the browser: the refresh cookie, which needs the CSRF check like any cookie write.
    if (auto s = authn.check_csrf(call.request); !s) return s.error();
    token = cookie(call.request, kRefreshCookie).value_or("");
  }
  auto s = authn.service().refresh(token, client_of(call.request));
  if (!s) return s.error();
  return signed_in(authn, call.request, *s, bhttp::status::ok);
}

Result<Answer> log_out(Call& call, Authenticator& authn) {
  if (auto s = authn.service().logout(*call.who); !s) return s.error();
  http::Response res;
  res.status = bhttp::status::no_content;
  authn.clear_session_cookies(res, call.request);
  return Answer::of(std::move(res));
}

Result<Answer> verify(Call& call) {
  return Answer::ok({{"valid", true}, {"user", user_json(*call.user)}});
}

Result<Answer> me(Call& call) {
  return Answer::ok(user_json(*call.user));
}

Result<Answer> update_me(Call& call, Authenticator& authn) {
  auto c = profile_change(call.body);
  if (!c) return c.error();
  // The email first: it checks the current password, which a password change would replace.
  if (c->email) {
    auto u =
        authn.service().change_email(*call.who, *c->email, *c->current_password, client_of(call.request));
    if (!u) return u.error();
  }
  if (c->new_password) {
    auto s = authn.service().change_password(*call.who, *c->current_password, *c->new_password);
    if (!s) return s.error();
  }
  auto user = authn.service().update_profile(*call.who, c->full_name, c->avatar_url);
  if (!user) return user.error();
  return Answer::ok(user_json(*user));
}

Result<PasswordChange> password_change(boost::json::object const& body) {
  PasswordChange c;
  for (auto [key, out] :
       {std::pair{"current_password", &c.current_password}, {"new_password", &c.new_password}}) {
    auto v = required_string(body, key);
    if (!v) return v.error();
    *out = std::move(*v);
  }
  return c;
}

namespace {

// Signed out: no content, and the session cookies cleared.
Answer signed_out(Authenticator& authn, http::Request const& req) {
  http::Response res;
  res.status = bhttp::status::no_content;
  authn.clear_session_cookies(res, req);
  return Answer::of(std::move(res));
}

}  // namespace

Result<Answer> change_password(Call& call, Authenticator& authn) {
  auto c = password_change(call.body);
  if (!c) return c.error();
  auto s = authn.service().change_own_password(*call.who, c->current_password, c->new_password,
                                               client_of(call.request));
  if (!s) return s.error();
  return Answer::no_content();
}

Result<Answer> log_out_everywhere(Call& call, Authenticator& authn) {
  if (auto s = authn.service().logout_all(*call.who); !s) return s.error();
  return signed_out(authn, call.request);
}

Result<Answer> delete_me(Call& call, Authenticator& authn, AccountDeletion const& deletion) {
  auto password = required_string(call.body, "password");
  if (!password) return password.error();
  // not_found at either step: a concurrent call deleted the account first. It is gone, as asked.
  auto s = authn.service().confirm_password(*call.who, *password, client_of(call.request));
  // Uploads first, so none becomes a dataset while the datasets are being removed.
  if (s) s = deletion.admin.check_own_account_deletion(*call.who);
  if (s) s = deletion.uploads.terminate_all(*call.who);
  if (s) s = deletion.admin.delete_own_account(*call.who, deletion.changed);
  if (!s && s.error().code != ErrorCode::not_found) return s.error();
  return signed_out(authn, call.request);
}

void add_auth_routes(http::Router& router, Authenticator& authn, std::optional<AccountDeletion> deletion) {
  auto* a = &authn;
  // Requests that carry credentials share the "auth" rate policy.
  auto const json = [](verb method, std::string pattern, Access access) {
    return Endpoint{.method = method,
                    .pattern = std::move(pattern),
                    .access = access,
                    .body = Body::json,
                    .max_body = 64 * 1024,
                    .rate_policy = "auth"};
  };
  // Password hashing runs on the hashing pool.
  auto e = json(verb::post, "/api/auth/register", Access::unidentified);
  e.signs_in = true;
  e.offload = Offload::hashing;
  e.handler = [a](Call& c) { return register_user(c, *a); };
  e.doc = {.summary = "Create an account and sign in",
           .tag = "auth",
           .description =
               "Sets the session cookies (ap_access, ap_refresh, ap_csrf) and returns the tokens. "
               "Only application/json, and from an allowed Origin when one is sent",
           .body = json_body("Registration"),
           .answers = {json_answer("SignIn", 201)},
           .errors = {409}};
  add_endpoint(router, authn, std::move(e));

  e = json(verb::post, "/api/auth/login", Access::unidentified);
  e.signs_in = true;
  e.offload = Offload::hashing;
  e.handler = [a](Call& c) { return log_in(c, *a); };
  e.doc = {.summary = "Sign in",
           .tag = "auth",
           .description = "401 invalid_credentials for a wrong password or an unknown account alike",
           .body = json_body("Credentials"),
           .answers = {json_answer("SignIn")},
           .errors = {401}};
  add_endpoint(router, authn, std::move(e));

  // An expired access token must not stop the refresh that replaces it.
  e = json(verb::post, "/api/auth/refresh", Access::unidentified);
  e.body = Body::optional_json;
  e.handler = [a](Call& c) { return refresh(c, *a); };
  e.doc = {.summary = "Renew the session (rotating refresh token)",
           .tag = "auth",
           .description =
               "The refresh_token in the body, or none to use the ap_refresh cookie (then the "
               "X-CSRF-Token header is required). A reused refresh token ends the session",
           .body = json_body("RefreshRequest"),
           .answers = {json_answer("SignIn")},
           .errors = {401, 403}};
  add_endpoint(router, authn, std::move(e));

  e = json(verb::post, "/api/auth/logout", Access::user);
  e.body = Body::ignored;
  e.handler = [a](Call& c) { return log_out(c, *a); };
  e.doc = {.summary = "Sign out",
           .tag = "auth",
           .description = "Ends the session: its tokens stop working and the cookies are cleared",
           .answers = {empty_answer("Signed out")}};
  add_endpoint(router, authn, std::move(e));

  add_endpoint(
      router, authn,
      {.method = verb::get,
       .pattern = "/api/auth/verify",
       .access = Access::user,
       .handler = verify,
       .doc = {.summary = "Check the credentials", .tag = "auth", .answers = {json_answer("Verification")}}});
  add_endpoint(router, authn,
               {.method = verb::get,
                .pattern = "/api/auth/me",
                .access = Access::user,
                .handler = me,
                .doc = {.summary = "The caller's account", .tag = "auth", .answers = {json_answer("User")}}});

  // A password change hashes, so the whole change runs on the hashing pool.
  e = json(verb::put, "/api/auth/me", Access::user);
  e.offload = Offload::hashing;
  e.handler = [a](Call& c) { return update_me(c, *a); };
  e.doc = {.summary = "Change the caller's profile or password",
           .tag = "auth",
           .description =
               "A new password needs current_password and ends the user's other sessions; a new "
               "email needs current_password too (403 wrong_password, 409 email_taken)",
           .body = json_body("ProfileChange"),
           .answers = {json_answer("User")},
           .errors = {401, 403, 409}};
  add_endpoint(router, authn, std::move(e));

  // The account page. Each checks the password (hashing pool), throttled like sign-in.
  e = json(verb::post, "/api/auth/password", Access::user);
  e.offload = Offload::hashing;
  e.handler = [a](Call& c) { return change_password(c, *a); };
  e.doc = {.summary = "Change the caller's password",
           .tag = "auth",
           .description =
               "Needs the current password (403 wrong_password, throttled like sign-in: 429). "
               "Every other session of the user ends; this one stays signed in",
           .body = json_body("PasswordChange"),
           .answers = {empty_answer("Password changed")},
           .errors = {403}};
  add_endpoint(router, authn, std::move(e));

  e = json(verb::post, "/api/auth/logout-all", Access::user);
  e.body = Body::ignored;
  e.handler = [a](Call& c) { return log_out_everywhere(c, *a); };
  e.doc = {.summary = "Sign out everywhere",
           .tag = "auth",
           .description = "Ends every session of the user, this one included, and clears the cookies",
           .answers = {empty_answer("Signed out everywhere")}};
  add_endpoint(router, authn, std::move(e));

  if (deletion) {
    e = json(verb::delete_, "/api/auth/me", Access::user);
    e.offload = Offload::hashing;
    e.handler = [a, d = *deletion](Call& c) { return delete_me(c, *a, d); };
    e.doc = {.summary = "Delete the caller's account",
             .tag = "auth",
             .description =
                 "Needs the password (403 wrong_password, throttled like sign-in: 429). Removes "
                 "the user's uploads in progress and datasets (pyramids, sources, annotations) as "
                 "deleting each would, "
                 "then the account and its sessions, and clears the cookies. 409 last_admin for "
                 "the last administrator",
             .body = json_body("AccountDeletion"),
             .answers = {empty_answer("Account deleted")},
             .errors = {403, 409}};
    add_endpoint(router, authn, std::move(e));
  }
}

}  // namespace astropixel::api
