#pragma once
// /api/admin: administrators only (401 for guests, 403 for signed-in non-admins).
#include <functional>
#include <optional>
#include <string>

#include "api/authn.hpp"
#include "datasets/admin_service.hpp"
#include "datasets/dataset_service.hpp"
#include "http/router.hpp"

namespace astropixel::api {

void add_admin_routes(http::Router& router, Authenticator& authn, datasets::AdminService& admin,
                      datasets::DatasetService& datasets, std::function<void(std::string const&)> changed);

// PATCH /api/admin/users/{id}: {"role": "user"|"admin", "disabled": bool}, either or both.
struct UserChange {
  std::optional<auth::Role> role;
  std::optional<bool> disabled;
};
// Errors: validation naming the field.
Result<UserChange> user_change(boost::json::object const& body);

}  // namespace astropixel::api
