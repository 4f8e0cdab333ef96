#pragma once
// Tiles and descriptors from published pyramids: Deep Zoom, XYZ, IIIF Image API 3.0 level 0 and the
// preview. Versioned URLs (…/v{N}/…, IIIF "{id}-v{N}", XYZ "?v=N") never change content and are
// cached as immutable; unversioned ones revalidate after a minute. What a caller may not see
// answers 404 like what does not exist.
#include <memory>

#include "annotations/annotation_service.hpp"
#include "api/authn.hpp"
#include "auth/viewer_links.hpp"
#include "datasets/dataset_service.hpp"
#include "http/router.hpp"
#include "tiles/decoded_tile_cache.hpp"
#include "tiles/tile_directory.hpp"

namespace astropixel::api {

// What IIIF Presentation manifests are made of (docs/adr/0025): the dataset's record and its
// annotations. Without them, no manifest or collection routes.
struct Presentation {
  datasets::DatasetService* datasets = nullptr;
  annotations::AnnotationService* annotations = nullptr;
};

// IIIF Presentation 3.0 (with `presentation`): /iiif/3/{ident}/manifest for each dataset the caller
// may see, its annotation pages /iiif/3/{ident}/annotations/{n}, and /iiif/3/collection[/{n}] of
// the public ones. Public answers carry `Access-Control-Allow-Origin: *` (IIIF viewers run on
// other sites; no credentials are honoured with "*"), private ones only through a link for other
// viewers (ADR 0038), which `links` checks (without it, every link is refused). `renders`: the IIIF
// renderer's pool (tiles::TileService), owned by the caller; `decoded_tiles`: the tiles its renders
// keep decoded (none when null).
void add_tile_routes(http::Router& router, Authenticator& authn, tiles::TileDirectory& directory,
                     Presentation presentation = {}, http::BlockingPool* renders = nullptr,
                     std::shared_ptr<tiles::DecodedTileCache> decoded_tiles = nullptr,
                     std::shared_ptr<auth::LinkSigner const> links = nullptr);

}  // namespace astropixel::api
