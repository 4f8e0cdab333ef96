#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace astropixel::auth {

enum class Role { user, admin };
std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);

struct User {
  std::string id;
  std::string email;
  std::string username;  // lowercase [a-z0-9_]
  std::string full_name;
  std::string avatar_url;
  std::string password_hash;  // PHC string, "$argon2id$..."
  Role role = Role::user;
  bool disabled = false;
  std::int64_t created_at = 0;  // Unix ms
  std::int64_t updated_at = 0;
};

struct NewUser {
  std::string email;
  std::string username;
  std::string full_name;
  std::string password_hash;
  Role role = Role::user;
};

}  // namespace astropixel::auth
