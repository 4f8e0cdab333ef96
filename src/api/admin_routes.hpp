#pragma once
// /api/admin: administrators only (401 for guests, 403 for signed-in non-admins).
#include "api/authn.hpp"
#include "datasets/dataset_service.hpp"
#include "http/router.hpp"

namespace astropixel::api {

void add_admin_routes(http::Router& router, Authenticator& authn, auth::UserRepository& users,
                      datasets::DatasetService& datasets);

}  // namespace astropixel::api
