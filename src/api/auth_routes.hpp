#pragma once
// /api/auth: register, login, logout, refresh, verify, me.
#include "api/authn.hpp"
#include "http/router.hpp"

namespace astropixel::api {

void add_auth_routes(http::Router& router, Authenticator& authn);

// The public JSON shape of a user (never the password hash).
boost::json::object user_json(auth::User const& u);

}  // namespace astropixel::api
