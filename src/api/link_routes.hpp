#pragma once
// Links for other viewers (ADR 0038): the owner of a private dataset makes a link that opens its
// IIIF manifest, image service and HiPS in viewers on other sites (Mirador, Aladin Lite, Aladin
// Desktop), valid for a number of days, and revokes them all at once.
#include <functional>
#include <memory>
#include <string>

#include "api/authn.hpp"
#include "auth/viewer_links.hpp"
#include "datasets/dataset_service.hpp"
#include "http/router.hpp"

namespace astropixel::api {

// POST /api/datasets/{id}/links and DELETE /api/datasets/{id}/links. `changed(id)` is called after a
// revocation (the tile directory's cached entry must forget the old epoch).
void add_link_routes(http::Router& router, Authenticator& authn, datasets::DatasetService& datasets,
                     std::shared_ptr<auth::LinkSigner const> signer,
                     std::function<void(std::string const&)> changed);

}  // namespace astropixel::api
