#include "api/tile_routes.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "api/tile_endpoints.hpp"
#include "tiles/deep_zoom.hpp"
#include "tiles/xyz.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
using tiles::TileService;

namespace {

// Answers of the tile service as they are: its headers (ETag, caching) and bytes.
Result<Answer> answered(Result<http::Response> res) {
  if (!res) return res.error();
  return Answer::of(std::move(*res));
}

// Deep Zoom's descriptor and tiles also show a version still building, tile by tile (ADR 0034).
TileReply dzi(Call& call, TileService& svc) {
  auto v = co_await view_of(svc, call, std::string(call.param("id")), version_param(call.request),
                            tiles::Building::shown);
  if (!v) co_return v.error();
  http::Response res;
  if (!TileService::not_modified(call.request, res, *v, "dzi")) {
    res.body = tiles::deep_zoom::dzi_xml(v->pack().geometry(), v->pack().info().format);
    res.headers.set(bhttp::field::content_type, "application/xml");
  }
  co_return Answer::of(std::move(res));
}

TileReply deep_zoom_tile(Call& call, TileService& svc) {
  auto v = co_await view_of(svc, call, std::string(call.param("id")), version_param(call.request),
                            tiles::Building::shown);
  if (!v) co_return v.error();
  if (call.param("fmt") != v->pack().info().format) co_return tile_not_found();
  auto const& req = call.request;
  auto at = tiles::deep_zoom::tile(v->pack().geometry(), req.param_int("level"), req.param_int("col"),
                                   req.param_int("row"));
  if (!at) co_return at.error();
  co_return answered(co_await svc.tile(req, *v, *at));
}

TileReply xyz_tile(Call& call, TileService& svc) {
  auto version = tiles::xyz::version(call.query("v"));
  if (!version) co_return version.error();
  auto v = co_await view_of(svc, call, std::string(call.param("id")), *version);
  if (!v) co_return v.error();
  if (call.param("fmt") != v->pack().info().format) co_return tile_not_found();
  auto const& req = call.request;
  auto at =
      tiles::xyz::tile(v->pack().geometry(), req.param_int("z"), req.param_int("x"), req.param_int("y"));
  if (!at) co_return at.error();
  co_return answered(co_await svc.tile(req, *v, *at));
}

// The preview of a version still building too: a build writes it first where it can (ADR 0036).
TileReply preview(Call& call, TileService& svc) {
  auto v = co_await view_of(svc, call, std::string(call.param("id")), version_param(call.request),
                            tiles::Building::shown);
  if (!v) co_return v.error();
  co_return answered(co_await svc.preview(call.request, *v));
}

// A FITS source's primary and image headers, as the pyramid recorded them (80-column cards, one per
// line): megabytes at worst, so not in the dataset's JSON.
TileReply fits_header(Call& call, TileService& svc) {
  auto v = co_await view_of(svc, call, std::string(call.param("id")), version_param(call.request));
  if (!v) co_return v.error();
  http::Response res;
  if (!TileService::not_modified(call.request, res, *v, "fits")) {
    auto body = fits_headers_json(v->pack().info().metadata_json);
    if (!body) co_return body.error();
    res.body = std::move(*body);
    res.headers.set(bhttp::field::content_type, "application/json");
  }
  co_return Answer::of(std::move(res));
}

// Anything else under the tile prefixes is a missing resource, answered as the API answers, not with
// the web app's page (a viewer asking for a malformed IIIF URL must see a 404).
TileReply unmatched(Call& call) {
  co_return make_error(ErrorCode::not_found, "Not found", fmt::format("No route for {}", call.request.path));
}

}  // namespace

Result<std::string> fits_headers_json(std::string_view metadata_json) {
  boost::system::error_code ec;
  auto meta = boost::json::parse(metadata_json, ec);
  auto const* fits = !ec && meta.is_object() ? meta.as_object().if_contains("fits") : nullptr;
  if (!fits || !fits->is_object()) return make_error(ErrorCode::not_found, "The image is not FITS");
  boost::json::object out;
  for (auto const* key : {"hdu", "primary_header", "image_header"}) {
    if (auto const* f = fits->as_object().if_contains(key)) out[key] = *f;
  }
  return boost::json::serialize(out);
}

void add_tile_routes(http::Router& router, Authenticator& authn, tiles::TileDirectory& directory,
                     Presentation presentation, http::BlockingPool* renders,
                     std::shared_ptr<tiles::DecodedTileCache> decoded_tiles,
                     std::shared_ptr<auth::LinkSigner const> links) {
  auto svc = std::make_shared<TileService>(directory, authn.blocking(), renders, std::move(decoded_tiles),
                                           std::move(links));
  auto on = [svc](TileReply (*handler)(Call&, TileService&)) {
    return [svc, handler](Call& c) { return handler(c, *svc); };
  };
  auto tile = [](std::string pattern, std::function<TileReply(Call&)> handler, http::RouteDoc doc) {
    // Tiles come in bursts of hundreds: never rate limited.
    return Endpoint{.pattern = std::move(pattern),
                    .rate_policy = "",
                    .io_handler = std::move(handler),
                    .doc = std::move(doc)};
  };
  auto read = [](std::string pattern, std::function<TileReply(Call&)> handler, http::RouteDoc doc) {
    return Endpoint{.pattern = std::move(pattern), .io_handler = std::move(handler), .doc = std::move(doc)};
  };

  for (std::string v : {"", "/v{version:int}"}) {
    std::string const base = "/api/datasets/{id}" + v;
    std::string const which = v.empty() ? " (current version)" : " (one version, immutable)";
    add_endpoint(router, authn,
                 read(base + "/image.dzi", on(dzi),
                      tile_doc("tiles", "Deep Zoom descriptor" + which, "The DZI XML OpenSeadragon opens",
                               cached("The descriptor", {{"application/xml"}}))));
    add_endpoint(router, authn,
                 tile(base + "/image_files/{level:int}/{col:int}_{row:int}.{fmt}", on(deep_zoom_tile),
                      tile_doc("tiles", "Deep Zoom tile" + which,
                               "fmt is the pyramid's tile format (jpg, png or webp)",
                               cached("The tile", tile_formats()))));
    add_endpoint(router, authn,
                 read(base + "/preview", on(preview),
                      tile_doc("tiles", "Preview image" + which,
                               "The whole image, 512 px on its long side; of a version still building once "
                               "`building.preview` names it (ADR 0036)",
                               cached("The preview", tile_formats()))));
    add_endpoint(
        router, authn,
        read(base + "/fits-header", on(fits_header),
             tile_doc("tiles", "FITS headers" + which, "404 when the dataset is not FITS",
                      cached("The primary and image headers", {{"application/json", "FitsHeader"}}))));
  }
  auto xyz =
      tile("/api/tiles/{id}/{z:int}/{x:int}/{y:int}.{fmt}", on(xyz_tile),
           tile_doc("tiles", "XYZ tile", "z = 0 is the whole image in one tile; x column, y row from the top",
                    cached("The tile", tile_formats())));
  xyz.doc.query = {{.name = "v",
                    .schema = R"({"type":"integer","minimum":1})",
                    .description = "The pyramid version: the answer is then immutable"}};
  add_endpoint(router, authn, std::move(xyz));

  add_iiif_routes(router, authn, svc, presentation);
  add_hips_routes(router, authn, svc);

  for (std::string prefix : {"/iiif", "/tiles", "/hips"}) {
    add_endpoint(router, authn,
                 {.pattern = prefix + "/{rest:path}",
                  .access = Access::unidentified,
                  .io_handler = unmatched,
                  .doc = {.summary = "Anything else under " + prefix + "/",
                          .tag = "tiles",
                          .description = "Always 404 in the error contract (not the web app's page)",
                          .answers = {},
                          .errors = {404}}});
  }
}

}  // namespace astropixel::api
