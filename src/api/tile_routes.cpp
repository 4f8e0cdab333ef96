#include "api/tile_routes.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "tiles/deep_zoom.hpp"
#include "tiles/iiif.hpp"
#include "tiles/tile_service.hpp"
#include "tiles/xyz.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
using Reply = http::asio::awaitable<Result<http::Response>>;
using tiles::TileService;
using tiles::View;

namespace {

Error not_found() {
  return make_error(ErrorCode::not_found, "Not found");
}

// Who is asking, then the tile service's answer on whether they may see that version.
http::asio::awaitable<Result<View>> view(Authenticator& authn, TileService& svc, http::Request& req,
                                         std::string const& id, std::optional<std::int64_t> version) {
  auto who = co_await authn.identify(req);
  if (!who) co_return who.error();
  std::optional<auth::Principal> principal;
  if (*who) principal = (*who)->principal;
  co_return co_await svc.resolve(principal, id, version);
}

std::optional<std::int64_t> version_param(http::Request const& req) {
  for (auto const& [k, v] : req.params) {
    if (k == "version") return req.param_int("version");
  }
  return std::nullopt;
}

}  // namespace

void add_tile_routes(http::Router& router, Authenticator& authn, tiles::TileDirectory& directory) {
  auto* a = &authn;
  auto svc = std::make_shared<TileService>(directory, authn.blocking());
  http::RouteOptions tile_opts{.max_body = 0, .rate_policy = ""};  // tiles come in bursts of hundreds
  http::RouteOptions read{.max_body = 0, .rate_policy = "default"};

  // Deep Zoom.
  auto dzi = [a, svc](http::Request& req) -> Reply {
    auto v = co_await view(*a, *svc, req, std::string(req.param("id")), version_param(req));
    if (!v) co_return v.error();
    http::Response res;
    if (TileService::not_modified(req, res, *v, "dzi")) co_return res;
    res.body = tiles::deep_zoom::dzi_xml(v->pack().geometry(), v->pack().info().format);
    res.headers.set(bhttp::field::content_type, "application/xml");
    co_return res;
  };
  router.add(bhttp::verb::get, "/api/datasets/{id}/image.dzi", dzi, read);
  router.add(bhttp::verb::get, "/api/datasets/{id}/v{version:int}/image.dzi", dzi, read);

  auto dz = [a, svc](http::Request& req) -> Reply {
    auto v = co_await view(*a, *svc, req, std::string(req.param("id")), version_param(req));
    if (!v) co_return v.error();
    if (req.param("fmt") != v->pack().info().format) co_return not_found();
    auto at = tiles::deep_zoom::tile(v->pack().geometry(), req.param_int("level"), req.param_int("col"),
                                     req.param_int("row"));
    if (!at) co_return at.error();
    co_return co_await svc->tile(req, *v, *at);
  };
  router.add(bhttp::verb::get, "/api/datasets/{id}/image_files/{level:int}/{col:int}_{row:int}.{fmt}", dz,
             tile_opts);
  router.add(bhttp::verb::get,
             "/api/datasets/{id}/v{version:int}/image_files/{level:int}/{col:int}_{row:int}.{fmt}", dz,
             tile_opts);

  // XYZ.
  router.add(
      bhttp::verb::get, "/api/tiles/{id}/{z:int}/{x:int}/{y:int}.{fmt}",
      [a, svc](http::Request& req) -> Reply {
        auto version = tiles::xyz::version(req.query_param("v"));
        if (!version) co_return version.error();
        auto v = co_await view(*a, *svc, req, std::string(req.param("id")), *version);
        if (!v) co_return v.error();
        if (req.param("fmt") != v->pack().info().format) co_return not_found();
        auto at = tiles::xyz::tile(v->pack().geometry(), req.param_int("z"), req.param_int("x"),
                                   req.param_int("y"));
        if (!at) co_return at.error();
        co_return co_await svc->tile(req, *v, *at);
      },
      tile_opts);

  auto preview = [a, svc](http::Request& req) -> Reply {
    auto v = co_await view(*a, *svc, req, std::string(req.param("id")), version_param(req));
    if (!v) co_return v.error();
    co_return co_await svc->preview(req, *v);
  };
  router.add(bhttp::verb::get, "/api/datasets/{id}/preview", preview, read);
  router.add(bhttp::verb::get, "/api/datasets/{id}/v{version:int}/preview", preview, read);

  // A FITS source's primary and image headers, as the pyramid recorded them (80-column cards, one
  // per line): megabytes at worst, so not in the dataset's JSON. Not FITS: 404.
  auto fits_header = [a, svc](http::Request& req) -> Reply {
    auto v = co_await view(*a, *svc, req, std::string(req.param("id")), version_param(req));
    if (!v) co_return v.error();
    boost::system::error_code ec;
    auto meta = boost::json::parse(v->pack().info().metadata_json, ec);
    auto const* fits = !ec && meta.is_object() ? meta.as_object().if_contains("fits") : nullptr;
    if (!fits || !fits->is_object()) co_return make_error(ErrorCode::not_found, "The image is not FITS");
    boost::json::object out;
    for (auto const* key : {"hdu", "primary_header", "image_header"}) {
      if (auto const* f = fits->as_object().if_contains(key)) out[key] = *f;
    }
    http::Response res;
    if (TileService::not_modified(req, res, *v, "fits")) co_return res;
    res.body = boost::json::serialize(out);
    res.headers.set(bhttp::field::content_type, "application/json");
    co_return res;
  };
  router.add(bhttp::verb::get, "/api/datasets/{id}/fits-header", fits_header, read);
  router.add(bhttp::verb::get, "/api/datasets/{id}/v{version:int}/fits-header", fits_header, read);

  // IIIF Image API 3.0.
  router.add(
      bhttp::verb::get, "/iiif/3/{ident}/info.json",
      [a, svc](http::Request& req) -> Reply {
        auto [id, version] = tiles::iiif::split_identifier(req.param("ident"));
        auto v = co_await view(*a, *svc, req, id, version);
        if (!v) co_return v.error();
        http::Response res;
        // The body names the Host it was asked under: a shared cache must keep one copy per Host,
        // or one request with a forged Host would serve everyone a service id on another site.
        res.headers.set(bhttp::field::vary, "Host");
        if (TileService::not_modified(req, res, *v, "info")) co_return res;
        // The service id is absolute, as IIIF requires; it names the version so that tile URLs
        // derived from it are immutable.
        std::string host(req.header("Host"));
        if (host.empty() || host.find_first_of("\"\\<> ") != std::string::npos) host = "localhost";
        auto service = fmt::format("{}://{}/iiif/3/{}-v{}", req.secure_transport ? "https" : "http", host, id,
                                   v->entry->version);
        res.body = tiles::iiif::info_json(v->pack().geometry(), v->pack().info().format, service);
        res.headers.set(bhttp::field::content_type, "application/json");
        res.headers.set("Link", "<http://iiif.io/api/image/3/level2.json>;rel=\"profile\"");
        co_return res;
      },
      read);

  router.add(
      bhttp::verb::get, "/iiif/3/{ident}",
      [](http::Request& req) -> Reply {
        auto ident = req.param("ident");
        if (!tiles::iiif::is_safe_identifier(ident)) co_return not_found();
        http::Response res;
        res.status = bhttp::status::see_other;
        res.headers.set(bhttp::field::location, "/iiif/3/" + std::string(ident) + "/info.json");
        co_return res;
      },
      read);

  router.add(
      bhttp::verb::get, "/iiif/3/{ident}/{region}/{size}/{rotation}/{quality}.{format}",
      [a, svc](http::Request& req) -> Reply {
        auto [id, version] = tiles::iiif::split_identifier(req.param("ident"));
        auto v = co_await view(*a, *svc, req, id, version);
        if (!v) co_return v.error();
        auto const& pack = v->pack();
        // A pre-cut tile in the pyramid's own format is sent as stored (no decode, no copy).
        auto at = tiles::iiif::precut_tile(pack.geometry(), pack.info().format, req.param("region"),
                                           req.param("size"), req.param("rotation"), req.param("quality"),
                                           req.param("format"));
        if (at) co_return co_await svc->tile(req, *v, *at);
        auto image = tiles::iiif::parse_image_request(
            pack.geometry().width(), pack.geometry().height(), tiles::iiif::kLimits, req.param("region"),
            req.param("size"), req.param("rotation"), req.param("quality"), req.param("format"));
        if (!image) co_return image.error();
        co_return co_await svc->region(req, *v, *image);
      },
      tile_opts);

  // Anything else under the tile prefixes is a missing resource, answered as the API answers, not
  // with the web app's page (a viewer asking for a malformed IIIF URL must see a 404).
  auto unmatched = [](http::Request& req) -> Reply {
    co_return make_error(ErrorCode::not_found, "Not found", fmt::format("No route for {}", req.path));
  };
  router.add(bhttp::verb::get, "/iiif/{rest:path}", unmatched, read);
  router.add(bhttp::verb::get, "/tiles/{rest:path}", unmatched, read);
}

}  // namespace astropixel::api
