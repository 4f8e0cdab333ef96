#pragma once
// The one home of "may this caller see (or change) this dataset?". Datasets, annotations and tiles
// all ask here, so a dataset the caller may not see answers exactly like one that does not exist
// (404 "Dataset not found"), whichever route asked.
#include <optional>
#include <string>

#include "auth/policy.hpp"
#include "core/error.hpp"
#include "db/connection.hpp"

namespace astropixel::datasets {

enum class Need { read, write };

// May `who` (empty for guests) read or change a dataset owned so? Pure: callers that hold the row
// (or a cached copy of it) check here.
// Errors: not_found "Dataset not found" for a dataset `who` may not see; for a visible one they
// may not change, unauthorized for guests and forbidden for others.
Status check_access(std::optional<auth::Principal> const& who, auth::Owned const& dataset, Need need);

// Reads dataset `id`'s owner and visibility, then checks them as above.
// Errors: not_found when it is missing or hidden (the same answer); database errors.
Result<auth::Owned> access(db::Connection& c, std::optional<auth::Principal> const& who,
                           std::string const& id, Need need);

}  // namespace astropixel::datasets
