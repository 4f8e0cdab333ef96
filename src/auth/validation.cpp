#include "auth/validation.hpp"

#include "auth/password_hasher.hpp"
#include "core/error_catalogue.hpp"

namespace astropixel::auth {
namespace {

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
  if (!ok) return make_error(errc::invalid_email);
  return {};
}

Status validate_username(std::string_view username) {
  bool ok = username.size() >= 3 && username.size() <= 64;
  for (char c : username) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (!ok) return make_error(errc::invalid_username);
  return {};
}

Status validate_password(std::string_view password) {
  if (password.size() < kMinPasswordBytes) {
    return make_error(errc::password_too_short);
  }
  if (password.size() > kMaxPasswordBytes) {
    return make_error(errc::password_too_long);
  }
  return {};
}

Status validate_full_name(std::string_view name) {
  if (name.size() > 200 || has_control(name)) return make_error(errc::invalid_full_name);
  return {};
}

Status validate_avatar_url(std::string_view url) {
  if (url.empty()) return {};
  if (url.size() > 2048 || has_control(url) || !(url.starts_with("https://") || url.starts_with("http://"))) {
    return make_error(errc::invalid_avatar_url);
  }
  return {};
}

}  // namespace astropixel::auth
