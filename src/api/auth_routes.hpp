#pragma once
// /api/auth: register, login, logout, refresh, verify, me.
#include <optional>
#include <string>

#include "api/authn.hpp"
#include "api/endpoint.hpp"
#include "http/router.hpp"

namespace astropixel::api {

void add_auth_routes(http::Router& router, Authenticator& authn);

// The public JSON shape of a user (never the password hash).
boost::json::object user_json(auth::User const& u);

// Bodies (exposed for tests). Errors: validation naming the field.
Result<auth::Registration> registration(boost::json::object const& body);
struct Credentials {
  std::string login, password;
};
// "login", or the predecessor's "username" or "email", and "password".
Result<Credentials> credentials(boost::json::object const& body);
struct ProfileChange {
  std::optional<std::string> full_name, avatar_url;
  std::optional<std::string> current_password, new_password;  // a new one needs the current one
};
Result<ProfileChange> profile_change(boost::json::object const& body);

// The handlers, one per endpoint.
Result<Answer> register_user(Call& call, Authenticator& authn);
Result<Answer> log_in(Call& call, Authenticator& authn);
// The token from the body (API clients), else the refresh cookie behind the CSRF check (browsers).
Result<Answer> refresh(Call& call, Authenticator& authn);
Result<Answer> log_out(Call& call, Authenticator& authn);
Result<Answer> verify(Call& call);
Result<Answer> me(Call& call);
Result<Answer> update_me(Call& call, Authenticator& authn);

}  // namespace astropixel::api
