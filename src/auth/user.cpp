#include "auth/user.hpp"

namespace astropixel::auth {

std::string_view to_string(Role role) {
  return role == Role::admin ? "admin" : "user";
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "user") return Role::user;
  if (text == "admin") return Role::admin;
  return std::nullopt;
}

}  // namespace astropixel::auth
