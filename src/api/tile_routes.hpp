#pragma once
// Tiles and descriptors from published pyramids: Deep Zoom, XYZ, IIIF Image API 3.0 level 0 and the
// preview. Versioned URLs (…/v{N}/…, IIIF "{id}-v{N}", XYZ "?v=N") never change content and are
// cached as immutable; unversioned ones revalidate after a minute. What a caller may not see
// answers 404 like what does not exist.
#include "api/authn.hpp"
#include "http/router.hpp"
#include "tiles/tile_directory.hpp"

namespace astropixel::api {

void add_tile_routes(http::Router& router, Authenticator& authn, tiles::TileDirectory& directory);

}  // namespace astropixel::api
