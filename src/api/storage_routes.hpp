#pragma once
// Storage quotas (ADR 0019): GET /api/storage (the caller's own use and quota) and, for
// administrators, GET/PUT /api/admin/users/{id}/storage (one user's, and setting their quota).
#include "api/authn.hpp"
#include "datasets/storage_quota.hpp"
#include "http/router.hpp"

namespace astropixel::api {

void add_storage_routes(http::Router& router, Authenticator& authn, datasets::StorageQuota& quota);

// PUT body: {"quota_bytes": N} (0 = unlimited) or {"quota_bytes": null} (back to the default).
// Errors: validation naming quota_bytes.
Result<std::optional<std::uint64_t>> quota_change(boost::json::object const& body);

}  // namespace astropixel::api
