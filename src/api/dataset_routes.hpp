#pragma once
// /api/datasets (list, get, update, delete, status, reprocess) and /api/stats.
#include <functional>

#include "api/authn.hpp"
#include "datasets/dataset_service.hpp"
#include "http/router.hpp"
#include "ratelimit/limiter.hpp"

namespace astropixel::api {

// The dataset as clients see it, with the URLs of its tiles.
boost::json::object dataset_json(datasets::Dataset const& d, std::optional<auth::Principal> const& viewer);

// Told about every dataset this process modifies (the tile cache drops it).
using Changed = std::function<void(std::string const&)>;

// Per-user limits of these endpoints (ADR 0019).
struct DatasetLimits {
  ratelimit::Limiter* limiter = nullptr;  // null: no per-user limits
  ratelimit::Policy reprocess;            // reprocess requests per user (429 rate_limited past it)
};

void add_dataset_routes(http::Router& router, Authenticator& authn, datasets::DatasetService& datasets,
                        Changed changed, DatasetLimits limits = {});

// Request bodies, parsed (errors: validation naming the field).
// PATCH/PUT /api/datasets/{id}: name, description, category, visibility or is_public.
Result<datasets::DetailsPatch> details_patch(boost::json::object const& body);
// A dataset's default live display settings, normalised. Errors: validation (display),
// invalid_stretch, invalid_colormap, invalid_cuts.
Result<boost::json::object> display_settings(boost::json::value const& v);
// POST /api/datasets/{id}/reprocess: stretch, cuts, hdu, plane.
Result<datasets::RequestChange> reprocess_change(boost::json::object const& body);

}  // namespace astropixel::api
