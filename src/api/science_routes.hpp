#pragma once
// Science endpoints over the data pyramid of original values
// (docs/adr/0024-data-pyramid-and-live-stretch.md): display tiles rendered live from the data with the
// stretch and cuts named in the URL, and pixel values around a full-resolution position. Access as for tiles:
// what a caller may not see answers 404 like what does not exist.
#include <cstddef>

#include "api/authn.hpp"
#include "http/router.hpp"
#include "tiles/tile_directory.hpp"

namespace astropixel::api {

struct ScienceOptions {
  std::size_t live_cache_bytes = 64u << 20;  // rendered live tiles kept in memory
};

void add_science_routes(http::Router& router, Authenticator& authn, tiles::TileDirectory& directory,
                        ScienceOptions const& options = {});

}  // namespace astropixel::api
