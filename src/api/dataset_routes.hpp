#pragma once
// /api/datasets (list, get, update, delete, status, reprocess) and /api/stats.
#include <functional>

#include "api/authn.hpp"
#include "datasets/dataset_service.hpp"
#include "http/router.hpp"

namespace astropixel::api {

// The dataset as clients see it, with the URLs of its tiles.
boost::json::object dataset_json(datasets::Dataset const& d, std::optional<auth::Principal> const& viewer);

// `changed` is told about every dataset this process modifies (the tile cache drops it).
void add_dataset_routes(http::Router& router, Authenticator& authn, datasets::DatasetService& datasets,
                        std::function<void(std::string const&)> changed);

}  // namespace astropixel::api
