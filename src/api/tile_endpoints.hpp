#pragma once
// What the tile protocols' endpoints (api/tile_routes.cpp: Deep Zoom, XYZ, previews, FITS headers;
// api/iiif_routes.cpp; api/hips_routes.cpp) share: the view a caller may see, the cross-origin rule
// of public answers, and the docs records of cached answers. Each protocol's handlers are named
// functions of (Call&, TileService&) declared as endpoints with their docs; they run on the I/O
// thread (Endpoint::io_handler), as the tile service keeps its own blocking work off it.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/endpoint.hpp"
#include "api/tile_routes.hpp"
#include "tiles/tile_service.hpp"

namespace astropixel::api {

using TileReply = http::asio::awaitable<Result<Answer>>;

// The one answer for anything a caller may not see or that does not exist.
Error tile_not_found();

// The pyramid version a caller may see (the tile service's access rules). Errors: as
// TileService::resolve.
http::asio::awaitable<Result<tiles::View>> view_of(tiles::TileService& svc, Call const& call, std::string id,
                                                   std::optional<std::int64_t> version,
                                                   tiles::Building building = tiles::Building::hidden);

// An IIIF or HiPS identifier as a path carries it: "{id}", "{id}-v{N}", either followed by a link
// for other viewers ("~{exp}~{sig}", auth/viewer_links.hpp).
struct Ident {
  std::string id;
  std::optional<std::int64_t> version;
  std::optional<auth::ViewerLink> link;
  // What to append to this dataset's identifiers in answers (service ids, manifests) so that the
  // client's next requests carry the same link: "" without one.
  std::string link_suffix() const;
};
// nullopt for anything else: characters a dataset id never has, a malformed link.
std::optional<Ident> parse_ident(std::string_view ident);

// The pyramid version an identifier names, for whoever calls: by the caller's own right, or by the
// link the identifier carries (then only by it). Errors: as TileService::resolve.
http::asio::awaitable<Result<tiles::View>> view_of(tiles::TileService& svc, Call const& call,
                                                   Ident const& ident,
                                                   tiles::Building building = tiles::Building::hidden);

// The `{version}` path parameter of a …/v{N}/… pattern, if the pattern has one.
std::optional<std::int64_t> version_param(http::Request const& req);

// "scheme://host" of this request, for absolute ids (IIIF). A Host that could break out of a JSON
// string or a URL is replaced by localhost (the answer is then useless, not harmful).
std::string origin_of(http::Request const& req);

// Viewers of IIIF and HiPS run on other sites and fetch with CORS: a public dataset's answers, and
// those through a link for other viewers, are readable by any origin (`open`). "*" never carries
// credentials (browsers refuse it with them), so a signed-in visitor's cookies cannot make a
// private answer readable; private answers asked for without a link never get it.
void open_to_any_origin(http::Response& res, bool open);

// Docs records: a tile-service answer (anyone who may see the dataset; 404 like a missing one), a
// cached 200 with its 304, and the tile formats.
http::RouteDoc tile_doc(std::string tag, std::string summary, std::string description,
                        std::vector<http::RouteDoc::Answer> answers);
std::vector<http::RouteDoc::Answer> cached(std::string description,
                                           std::vector<http::RouteDoc::Content> content);
std::vector<http::RouteDoc::Content> tile_formats();

// The protocols' groups, with the tile service they share.
void add_iiif_routes(http::Router& router, Authenticator& authn, std::shared_ptr<tiles::TileService> svc,
                     Presentation presentation);
void add_hips_routes(http::Router& router, Authenticator& authn, std::shared_ptr<tiles::TileService> svc);

// What GET …/fits-header answers for a pack's metadata: its FITS "hdu", "primary_header" and
// "image_header" as a JSON object. Errors: not_found (not FITS).
Result<std::string> fits_headers_json(std::string_view metadata_json);

// The IIIF base URI's answer: 303 to its info.json. Errors: not_found (an unsafe identifier).
Result<Answer> iiif_base(std::string_view ident);

}  // namespace astropixel::api
