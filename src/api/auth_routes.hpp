#pragma once
// /api/auth: register, login, logout, refresh, verify, me; the account page's password change,
// sign-out everywhere and account deletion.
#include <functional>
#include <optional>
#include <string>

#include "api/authn.hpp"
#include "api/endpoint.hpp"
#include "datasets/admin_service.hpp"
#include "http/router.hpp"
#include "upload/upload_service.hpp"

namespace astropixel::api {

// What deleting one's own account goes through: the upload service (uploads in progress), the dataset
// removal the admin pages use, and `changed`, which hears each dataset removed (tile caches drop it).
struct AccountDeletion {
  datasets::AdminService& admin;
  upload::UploadService& uploads;
  std::function<void(std::string const&)> changed;
};

// With `deletion`, also DELETE /api/auth/me.
void add_auth_routes(http::Router& router, Authenticator& authn,
                     std::optional<AccountDeletion> deletion = std::nullopt);

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
  std::optional<std::string> email;                           // needs current_password
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
struct PasswordChange {
  std::string current_password, new_password;
};
Result<PasswordChange> password_change(boost::json::object const& body);
// POST /api/auth/password: the current session stays, every other one ends.
Result<Answer> change_password(Call& call, Authenticator& authn);
// POST /api/auth/logout-all: every session ends, this one too; the cookies are cleared.
Result<Answer> log_out_everywhere(Call& call, Authenticator& authn);
// DELETE /api/auth/me {password}: the uploads in progress, the datasets, then the account; the
// cookies are cleared.
Result<Answer> delete_me(Call& call, Authenticator& authn, AccountDeletion const& deletion);

}  // namespace astropixel::api
