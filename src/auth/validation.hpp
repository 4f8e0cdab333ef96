#pragma once
#include <string_view>

#include "core/error.hpp"

namespace astropixel::auth {

// Each returns validation errors with a field-specific reason ("invalid_email", "invalid_username",
// "password_too_short", "password_too_long") and the field named.
Status validate_email(std::string_view email);
Status validate_username(std::string_view username);  // 3-64 of [a-z0-9_], compared case-insensitively
Status validate_password(std::string_view password);  // 8-1024 bytes
Status validate_full_name(std::string_view name);     // at most 200 bytes, no control characters
Status validate_avatar_url(std::string_view url);     // empty, or an http(s) URL of at most 2048 bytes

}  // namespace astropixel::auth
