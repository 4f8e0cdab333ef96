#include "auth/policy.hpp"

#include "core/error_catalogue.hpp"

namespace astropixel::auth {
namespace {
Error hidden() {
  return make_error(ErrorCode::not_found, "Not found");
}
Error sign_in() {
  Error e = make_error(ErrorCode::unauthorized, "Authentication required", "Sign in to continue");
  e.reason = errc::not_authenticated.code;
  return e;
}
// A system dataset (the demo) has no owner: only admins change it, whatever id a caller has.
bool owns(std::optional<Principal> const& who, Owned const& thing) {
  return who && (who->is_admin() || (!thing.owner_id.empty() && who->user_id == thing.owner_id));
}
}  // namespace

Status can_read(std::optional<Principal> const& who, Owned const& thing) {
  if (thing.visibility == Visibility::public_ || owns(who, thing)) return {};
  return hidden();
}

Status can_write(std::optional<Principal> const& who, Owned const& thing) {
  if (owns(who, thing)) {
    if (!who->read_only) return {};
    return make_error(ErrorCode::forbidden, "Not allowed", "A link for other viewers only reads");
  }
  if (thing.visibility == Visibility::public_) {
    if (!who) return sign_in();
    return make_error(ErrorCode::forbidden, "Not allowed",
                      "Only the owner or an administrator can change this");
  }
  return hidden();
}

Status require_admin(std::optional<Principal> const& who) {
  if (!who) return sign_in();
  if (!who->is_admin()) return make_error(ErrorCode::forbidden, "Administrators only");
  return {};
}

Result<Principal> require_user(std::optional<Principal> const& who) {
  if (!who) return sign_in();
  return *who;
}

}  // namespace astropixel::auth
