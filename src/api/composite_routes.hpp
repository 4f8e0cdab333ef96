#pragma once
// POST /api/composites: a colour composite of three single-band datasets
// (docs/adr/0029-colour-composites.md).
#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <string>

#include "api/authn.hpp"
#include "datasets/dataset_service.hpp"
#include "http/router.hpp"

namespace astropixel::api {

struct CompositeLimits {
  // The storage quota's admission (datasets::StorageQuota::admit); empty: no quota.
  std::function<Status(std::string const& user, std::uint64_t bytes)> admit_storage{};
};

void add_composite_routes(http::Router& router, Authenticator& authn, datasets::DatasetService& datasets,
                          CompositeLimits limits = {});

// The request body, parsed. Errors: validation (missing_field, or the field of the wrong type),
// invalid_weight for a weight that is not a number.
Result<datasets::CompositeRequest> composite_request(boost::json::object const& body);

}  // namespace astropixel::api
