#include "api/tile_routes.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "api/endpoint.hpp"
#include "http/error_table.hpp"
#include "pyramid/hips_layout.hpp"
#include "tiles/deep_zoom.hpp"
#include "tiles/iiif.hpp"
#include "tiles/iiif_manifest.hpp"
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

// "scheme://host" of this request: IIIF ids are absolute. A Host that could break out of a JSON
// string or a URL is replaced (the answer then names localhost, and is useless, not harmful).
std::string origin_of(http::Request const& req) {
  std::string host(req.header("Host"));
  if (host.empty() || host.find_first_of("\"\\<> /") != std::string::npos) host = "localhost";
  return fmt::format("{}://{}", req.secure_transport ? "https" : "http", host);
}

// IIIF viewers run on other sites and fetch with CORS: a public dataset's answers are readable by
// any origin. "*" never carries credentials (browsers refuse it with them), so a signed-in
// visitor's cookies cannot make a private answer readable; private answers do not get it at all.
void open_to_any_origin(http::Response& res, auth::Owned const& owned) {
  if (owned.visibility == auth::Visibility::public_)
    res.headers.set(bhttp::field::access_control_allow_origin, "*");
}

// FNV-1a: an ETag for a generated body, the same in every instance.
std::string body_etag(std::string_view body) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : body) h = (h ^ c) * 1099511628211ull;
  return fmt::format("\"iiif-{:016x}\"", h);
}

// A Presentation answer: JSON-LD with the Presentation profile, revalidated by ETag (labels and
// annotations change without a new pyramid version, so it is never immutable).
http::Response presentation_answer(http::Request const& req, std::string body, auth::Owned const& owned) {
  http::Response res;
  auto etag = body_etag(body);
  res.headers.set(bhttp::field::etag, etag);
  bool is_public = owned.visibility == auth::Visibility::public_;
  res.headers.set(bhttp::field::cache_control, is_public ? "public, max-age=60" : "private, no-cache");
  open_to_any_origin(res, owned);
  auto inm = req.header("If-None-Match");
  if (!inm.empty() && (inm == "*" || inm.find(etag) != std::string_view::npos)) {
    res.status = bhttp::status::not_modified;
    return res;
  }
  res.body = std::move(body);
  res.headers.set(bhttp::field::content_type, tiles::iiif::kPresentationType);
  return res;
}

tiles::iiif::ShapeAnnotation shape_of(annotations::Annotation const& a) {
  using Shape = tiles::iiif::ShapeAnnotation::Shape;
  tiles::iiif::ShapeAnnotation s;
  s.id = a.id;
  switch (a.kind) {
    case annotations::Kind::point:
      s.shape = Shape::point;
      break;
    case annotations::Kind::rectangle:
      s.shape = Shape::rectangle;
      break;
    case annotations::Kind::circle:
      s.shape = Shape::circle;
      break;
    case annotations::Kind::polygon:
      s.shape = Shape::polygon;
      break;
  }
  s.x = a.geometry.x, s.y = a.geometry.y, s.width = a.geometry.width, s.height = a.geometry.height;
  s.radius = a.geometry.radius;
  s.points = a.geometry.points;
  s.text = a.label, s.color = a.color;
  s.created_at = a.created_at, s.updated_at = a.updated_at;
  return s;
}

// The dataset named by an IIIF identifier, if the caller may see it and it has a pyramid (at that
// version when one is named). Errors: not_found, the same for every reason.
Result<datasets::Dataset> presented(Call const& call, Presentation const& p) {
  auto ident = call.param("ident");
  if (!tiles::iiif::is_safe_identifier(ident)) return not_found();
  auto [id, version] = tiles::iiif::split_identifier(ident);
  auto d = p.datasets->get(call.who, id);
  if (!d) return d.error().code == ErrorCode::not_found ? not_found() : d.error();
  if (d->pyramid_version == 0 || (version && *version != d->pyramid_version)) return not_found();
  return d;
}

Result<Answer> manifest(Call& call, Presentation const& p) {
  auto d = presented(call, p);
  if (!d) return d.error();
  annotations::ListFilter first;
  first.limit = tiles::iiif::kAnnotationsPerPage;
  auto notes = p.annotations->list(call.who, d->id, first);
  if (!notes) return notes.error().code == ErrorCode::not_found ? not_found() : notes.error();
  auto base = origin_of(call.request);
  tiles::iiif::ManifestSource m{
      .base = base,
      .ident = std::string(call.param("ident")),
      .label = d->name,
      .summary = d->description,
      .metadata = tiles::iiif::dataset_metadata(*d),
      .width = static_cast<std::uint32_t>(d->width),
      .height = static_cast<std::uint32_t>(d->height),
      .service_id = fmt::format("{}/iiif/3/{}-v{}", base, d->id, d->pyramid_version),
      .homepage = fmt::format("{}/datasets/{}", base, d->id),
      .listed = d->visibility == auth::Visibility::public_,
      .annotations = {},
      .annotation_total = notes->second,
  };
  for (auto const& a : notes->first) m.annotations.push_back(shape_of(a));
  return Answer::of(presentation_answer(call.request, tiles::iiif::manifest_json(m), d->owned()));
}

Result<Answer> annotation_page(Call& call, Presentation const& p) {
  auto d = presented(call, p);
  if (!d) return d.error();
  auto page = call.request.param_int("page");
  if (page < 1 || page > 1'000'000) return not_found();
  annotations::ListFilter f;
  f.limit = tiles::iiif::kAnnotationsPerPage;
  f.offset = static_cast<int>((page - 1) * tiles::iiif::kAnnotationsPerPage);
  auto notes = p.annotations->list(call.who, d->id, f);
  if (!notes) return notes.error().code == ErrorCode::not_found ? not_found() : notes.error();
  if (page > 1 && notes->first.empty()) return not_found();
  std::vector<tiles::iiif::ShapeAnnotation> items;
  for (auto const& a : notes->first) items.push_back(shape_of(a));
  auto body = tiles::iiif::annotation_page_json(origin_of(call.request), call.param("ident"),
                                                static_cast<int>(page), items);
  return Answer::of(presentation_answer(call.request, std::move(body), d->owned()));
}

// Public datasets only, whoever asks: a collection is for sharing, and a signed-in owner's
// private datasets must not be listed in an answer any origin may read.
Result<Answer> collection(Call& call, Presentation const& p, int page) {
  datasets::ListQuery q;
  q.visibility = auth::Visibility::public_;
  q.sort = "-date";
  q.limit = tiles::iiif::kManifestsPerPage;
  q.offset = page > 1 ? (page - 1) * tiles::iiif::kManifestsPerPage : 0;
  auto listed = p.datasets->list(std::nullopt, q);
  if (!listed) return listed.error();
  if (page > 1 && listed->items.empty()) return not_found();
  std::vector<tiles::iiif::CollectionItem> items;
  auto base = origin_of(call.request);
  for (auto const& d : listed->items) {
    if (d.pyramid_version == 0) continue;  // nothing to show yet
    items.push_back({d.id, d.name, fmt::format("{}/iiif/3/{}-v{}", base, d.id, d.pyramid_version),
                     static_cast<std::uint32_t>(d.width), static_cast<std::uint32_t>(d.height)});
  }
  auto body = tiles::iiif::collection_json(base, page, listed->total, items);
  return Answer::of(presentation_answer(call.request, std::move(body), {"", auth::Visibility::public_}));
}

// The docs record of a Presentation answer: JSON-LD revalidated by ETag, 404 like a missing dataset.
http::RouteDoc presentation_doc(std::string summary, std::string description, std::string type) {
  return {.summary = std::move(summary),
          .tag = "iiif",
          .description = std::move(description),
          .answers = {{.status = 200,
                       .description = "A IIIF Presentation 3.0 " + type,
                       .content = {{std::string(tiles::iiif::kPresentationType),
                                    R"({"type":"object","required":["@context","id","type"],"properties":)"
                                    R"({"type":{"const":")" +
                                        type + R"("}}})"}},
                       .headers = {"ETag", "Cache-Control", "Access-Control-Allow-Origin"}},
                      {.status = 304, .description = "Not modified (If-None-Match)"}},
          .errors = {404}};
}

void add_presentation_routes(http::Router& router, Authenticator& authn, Presentation p) {
  std::string const ident = "ident is a dataset id, or id-vN while N is its live version. ";
  add_endpoint(router, authn,
               {.method = bhttp::verb::get,
                .pattern = "/iiif/3/collection",
                .handler = [p](Call& c) { return collection(c, p, 0); },
                .doc = presentation_doc("IIIF collection of the public datasets",
                                        "Public datasets only, whoever asks: their manifests, or past 100 "
                                        "one child collection per 100",
                                        "Collection")});
  add_endpoint(
      router, authn,
      {.method = bhttp::verb::get,
       .pattern = "/iiif/3/collection/{page:int}",
       .handler =
           [p](Call& c) {
             auto page = c.request.param_int("page");
             if (page < 1 || page > 1'000'000) return Result<Answer>(not_found());
             return collection(c, p, static_cast<int>(page));
           },
       .doc = presentation_doc("One page (100) of the IIIF collection", "Pages count from 1", "Collection")});
  add_endpoint(
      router, authn,
      {.method = bhttp::verb::get,
       .pattern = "/iiif/3/{ident}/manifest",
       .handler = [p](Call& c) { return manifest(c, p); },
       .doc = presentation_doc("IIIF Presentation 3.0 manifest of a dataset",
                               ident + "Label, summary, metadata (FITS keywords too), thumbnail, one "
                                       "canvas painted by the level 2 image service, the annotations as "
                                       "W3C Web Annotations; Access-Control-Allow-Origin * when public",
                               "Manifest")});
  add_endpoint(
      router, authn,
      {.method = bhttp::verb::get,
       .pattern = "/iiif/3/{ident}/annotations/{page:int}",
       .handler = [p](Call& c) { return annotation_page(c, p); },
       .doc = presentation_doc("A dataset's annotations as a IIIF AnnotationPage",
                               ident + "500 W3C Web Annotations per page, from 1", "AnnotationPage")});
}

}  // namespace

void add_tile_routes(http::Router& router, Authenticator& authn, tiles::TileDirectory& directory,
                     Presentation presentation) {
  auto* a = &authn;
  // Before "/iiif/3/{ident}", which would take "collection" for an image identifier.
  if (presentation.datasets && presentation.annotations) add_presentation_routes(router, authn, presentation);
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

  // HiPS (ADR 0030): the files of a sky image's HiPS, for Aladin and any HiPS client, under
  // /hips/{ident}/ (ident as IIIF's: the id, or id-vN while N is the live version). Answered with the
  // dataset's access rules; public ones to any origin, as HiPS clients run on other sites.
  router.add(
      bhttp::verb::get, "/hips/{ident}/{rest:path}",
      [a, svc](http::Request& req) -> Reply {
        auto ident = req.param("ident");
        if (!tiles::iiif::is_safe_identifier(ident)) co_return not_found();
        auto [id, version] = tiles::iiif::split_identifier(ident);
        auto file = pyramid::hips::served_file(req.param("rest"));
        if (!file) co_return not_found();
        auto v = co_await view(*a, *svc, req, id, version);
        if (!v) co_return v.error();
        auto res = co_await svc->hips_file(req, *v, *file);
        // A public HiPS's missing tile is a 404 its client on another site must be able to read (Aladin
        // asks for tiles in view before it has the MOC); a private dataset's answers stay closed.
        if (!res && res.error().code == ErrorCode::not_found)
          res = http::error_response(res.error(), req.request_id, false);
        if (res) open_to_any_origin(*res, v->entry->owned);
        co_return res;
      },
      tile_opts);

  // The same HiPS as one ustar archive (unpacked: a HiPS directory), streamed from the store with an
  // exact length and byte ranges.
  router.add(
      bhttp::verb::get, "/hips/{ident}.tar",
      [a, svc](http::Request& req) -> Reply {
        auto ident = req.param("ident");
        if (!tiles::iiif::is_safe_identifier(ident)) co_return not_found();
        auto [id, version] = tiles::iiif::split_identifier(ident);
        auto v = co_await view(*a, *svc, req, id, version);
        if (!v) co_return v.error();
        co_return co_await svc->hips_archive(req, *v);
      },
      read);

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
        auto service = fmt::format("{}/iiif/3/{}-v{}", origin_of(req), id, v->entry->version);
        open_to_any_origin(res, v->entry->owned);
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
        Result<http::Response> res = make_error(ErrorCode::internal, "unreachable");
        if (at) {
          res = co_await svc->tile(req, *v, *at);
        } else {
          auto image = tiles::iiif::parse_image_request(
              pack.geometry().width(), pack.geometry().height(), tiles::iiif::kLimits, req.param("region"),
              req.param("size"), req.param("rotation"), req.param("quality"), req.param("format"));
          if (!image) co_return image.error();
          res = co_await svc->region(req, *v, *image);
        }
        if (res) open_to_any_origin(*res, v->entry->owned);
        co_return res;
      },
      tile_opts);

  // Anything else under the tile prefixes is a missing resource, answered as the API answers, not
  // with the web app's page (a viewer asking for a malformed IIIF URL must see a 404).
  auto unmatched = [](http::Request& req) -> Reply {
    co_return make_error(ErrorCode::not_found, "Not found", fmt::format("No route for {}", req.path));
  };
  router.add(bhttp::verb::get, "/iiif/{rest:path}", unmatched, read);
  router.add(bhttp::verb::get, "/tiles/{rest:path}", unmatched, read);
  router.add(bhttp::verb::get, "/hips/{rest:path}", unmatched, read);
}

}  // namespace astropixel::api
