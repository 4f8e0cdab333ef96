#include "auth/validation.hpp"

#include "auth/password_hasher.hpp"

namespace astropixel::auth {
namespace {

Error invalid(std::string_view field, std::string_view reason, std::string message) {
  Error e = make_error(ErrorCode::validation, std::move(message));
  e.reason = std::string(reason);
  e.field = std::string(field);
  return e;
}

bool has_control(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

Status validate_email(std::string_view email) {
  auto at = email.find('@');
  bool ok = email.size() <= 254 && at != std::string_view::npos && at > 0 && at <= 64 &&
            email.find('@', at + 1) == std::string_view::npos && !has_control(email) &&
            email.find(' ') == std::string_view::npos;
  if (ok) {
    auto domain = email.substr(at + 1);
    auto dot = domain.find('.');
    ok = !domain.empty() && dot != std::string_view::npos && dot > 0 && domain.back() != '.' &&
         domain.find("..") == std::string_view::npos;
  }
  if (!ok) return invalid("email", "invalid_email", "Enter a valid email address");
  return {};
}

Status validate_username(std::string_view username) {
  bool ok = username.size() >= 3 && username.size() <= 64;
  for (char c : username) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (!ok)
    return invalid("username", "invalid_username", "Usernames are 3-64 letters, digits or underscores");
  return {};
}

Status validate_password(std::string_view password) {
  if (password.size() < kMinPasswordBytes) {
    return invalid("password", "password_too_short", "Passwords need at least 8 characters");
  }
  if (password.size() > kMaxPasswordBytes) {
    return invalid("password", "password_too_long", "Passwords may be at most 1024 bytes");
  }
  return {};
}

Status validate_full_name(std::string_view name) {
  if (name.size() > 200 || has_control(name))
    return invalid("full_name", "invalid_full_name", "Name too long or invalid");
  return {};
}

Status validate_avatar_url(std::string_view url) {
  if (url.empty()) return {};
  if (url.size() > 2048 || has_control(url) || !(url.starts_with("https://") || url.starts_with("http://"))) {
    return invalid("avatar_url", "invalid_avatar_url", "The avatar must be an http(s) URL");
  }
  return {};
}

}  // namespace astropixel::auth
