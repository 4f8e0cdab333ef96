#pragma once
// The one access policy every route obeys. A dataset (and all that hangs off it) is private (owner
// and admins) or public (everyone, guests included). What a caller may not see answers exactly like
// what does not exist (not_found); visible but not writable is forbidden.
#include <optional>
#include <string>

#include "auth/user.hpp"
#include "core/error.hpp"

namespace astropixel::auth {

struct Principal {
  std::string user_id;
  std::string session_id;
  Role role = Role::user;
  // Reads only, whatever it owns: the owner's reading of one dataset that a link for other viewers
  // grants (auth/viewer_links.hpp) for the one request that carries it. Never an admin.
  bool read_only = false;
  bool is_admin() const { return role == Role::admin && !read_only; }
};

enum class Visibility { private_, public_ };

struct Owned {
  std::string owner_id;
  Visibility visibility = Visibility::private_;
};

// `who` is empty for guests.
Status can_read(std::optional<Principal> const& who, Owned const& thing);
Status can_write(std::optional<Principal> const& who, Owned const& thing);
// Errors: unauthorized for guests, forbidden for signed-in non-admins.
Status require_admin(std::optional<Principal> const& who);
// Errors: unauthorized for guests.
Result<Principal> require_user(std::optional<Principal> const& who);

}  // namespace astropixel::auth
