// IIIF (docs/adr/0025): Image API 3.0 level 2 (info.json, the base URI, image requests: pre-cut tiles
// sent as stored, anything else drawn by the region renderer) and Presentation 3.0 (manifests,
// annotation pages, the collection of public datasets).
#include <fmt/format.h>

#include "api/tile_endpoints.hpp"
#include "tiles/iiif.hpp"
#include "tiles/iiif_manifest.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
using tiles::TileService;

namespace {

Error not_found() {
  return tile_not_found();
}

// FNV-1a: an ETag for a generated body, the same in every instance.
std::string body_etag(std::string_view body) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : body) h = (h ^ c) * 1099511628211ull;
  return fmt::format("\"iiif-{:016x}\"", h);
}

// A Presentation answer: JSON-LD with the Presentation profile, revalidated by ETag (labels and
// annotations change without a new pyramid version, so it is never immutable).
// Public answers are open to any origin and to shared caches; through a link for other viewers, open
// to any origin only.
http::Response presentation_answer(http::Request const& req, std::string body, bool is_public, bool linked) {
  http::Response res;
  auto etag = body_etag(body);
  res.headers.set(bhttp::field::etag, etag);
  res.headers.set(bhttp::field::cache_control,
                  is_public && !linked ? "public, max-age=60" : "private, no-cache");
  open_to_any_origin(res, is_public || linked);
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

// A dataset an IIIF identifier names, and who reads it: the caller, or for an identifier with a link
// for other viewers, the link (its owner's reading of this one dataset, read only).
struct Presented {
  datasets::Dataset dataset;
  std::optional<auth::Principal> reader;
  Ident ident;
};

// The dataset named by an IIIF identifier, if the caller (or the identifier's link) may see it and
// it has a pyramid (at that version when one is named). Errors: not_found, the same for every reason.
Result<Presented> presented(Call const& call, Presentation const& p, TileService& svc) {
  auto ident = parse_ident(call.param("ident"));
  if (!ident) return not_found();
  std::optional<auth::Principal> reader = call.who;
  if (ident->link) {
    // The link alone decides, checked as for tiles; what it grants is reading this dataset as its
    // owner would, and nothing else.
    auto v = tiles::resolve_view(svc.directory(), call.who, ident->id, std::nullopt, tiles::Building::hidden,
                                 tiles::LinkGrant{*ident->link, svc.links()});
    if (!v) return v.error();
    reader = auth::Principal{
        .user_id = v->entry->owned.owner_id, .session_id = {}, .role = auth::Role::user, .read_only = true};
  }
  auto d = p.datasets->get(reader, ident->id);
  if (!d) return d.error().code == ErrorCode::not_found ? not_found() : d.error();
  if (d->pyramid_version == 0 || (ident->version && *ident->version != d->pyramid_version))
    return not_found();
  return Presented{std::move(*d), std::move(reader), std::move(*ident)};
}

Result<Answer> manifest(Call& call, Presentation const& p, TileService& svc) {
  auto presented_dataset = presented(call, p, svc);
  if (!presented_dataset) return presented_dataset.error();
  auto const* d = &presented_dataset->dataset;
  auto const& reader = presented_dataset->reader;
  auto const suffix = presented_dataset->ident.link_suffix();
  annotations::ListFilter first;
  first.limit = tiles::iiif::kAnnotationsPerPage;
  auto notes = p.annotations->list(reader, d->id, first);
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
      .service_id = fmt::format("{}/iiif/3/{}-v{}{}", base, d->id, d->pyramid_version, suffix),
      .homepage = fmt::format("{}/datasets/{}", base, d->id),
      .listed = d->visibility == auth::Visibility::public_,
      .annotations = {},
      .annotation_total = notes->second,
  };
  for (auto const& a : notes->first) m.annotations.push_back(shape_of(a));
  return Answer::of(presentation_answer(call.request, tiles::iiif::manifest_json(m), m.listed,
                                        presented_dataset->ident.link.has_value()));
}

Result<Answer> annotation_page(Call& call, Presentation const& p, TileService& svc) {
  auto presented_dataset = presented(call, p, svc);
  if (!presented_dataset) return presented_dataset.error();
  auto const* d = &presented_dataset->dataset;
  auto page = call.request.param_int("page");
  if (page < 1 || page > 1'000'000) return not_found();
  annotations::ListFilter f;
  f.limit = tiles::iiif::kAnnotationsPerPage;
  f.offset = static_cast<int>((page - 1) * tiles::iiif::kAnnotationsPerPage);
  auto notes = p.annotations->list(presented_dataset->reader, d->id, f);
  if (!notes) return notes.error().code == ErrorCode::not_found ? not_found() : notes.error();
  if (page > 1 && notes->first.empty()) return not_found();
  std::vector<tiles::iiif::ShapeAnnotation> items;
  for (auto const& a : notes->first) items.push_back(shape_of(a));
  auto body = tiles::iiif::annotation_page_json(origin_of(call.request), call.param("ident"),
                                                static_cast<int>(page), items);
  return Answer::of(presentation_answer(call.request, std::move(body),
                                        d->visibility == auth::Visibility::public_,
                                        presented_dataset->ident.link.has_value()));
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
  return Answer::of(presentation_answer(call.request, std::move(body), true, false));
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

void add_presentation_routes(http::Router& router, Authenticator& authn, Presentation p,
                             std::shared_ptr<TileService> svc) {
  std::string const ident =
      "ident is a dataset id, or id-vN while N is its live version, either followed by a link for other "
      "viewers (~exp~sig, POST /api/datasets/{id}/links). ";
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
       .handler = [p, svc](Call& c) { return manifest(c, p, *svc); },
       .doc = presentation_doc("IIIF Presentation 3.0 manifest of a dataset",
                               ident + "Label, summary, metadata (FITS keywords too), thumbnail, one "
                                       "canvas painted by the level 2 image service, the annotations as "
                                       "W3C Web Annotations; Access-Control-Allow-Origin * when public "
                                       "or through a link",
                               "Manifest")});
  add_endpoint(
      router, authn,
      {.method = bhttp::verb::get,
       .pattern = "/iiif/3/{ident}/annotations/{page:int}",
       .handler = [p, svc](Call& c) { return annotation_page(c, p, *svc); },
       .doc = presentation_doc("A dataset's annotations as a IIIF AnnotationPage",
                               ident + "500 W3C Web Annotations per page, from 1", "AnnotationPage")});
}

TileReply info(Call& call, TileService& svc) {
  auto ident = parse_ident(call.param("ident"));
  if (!ident) co_return not_found();
  auto v = co_await view_of(svc, call, *ident);
  if (!v) co_return v.error();
  http::Response res;
  // The body names the Host it was asked under: a shared cache must keep one copy per Host, or one
  // request with a forged Host would serve everyone a service id on another site.
  res.headers.set(bhttp::field::vary, "Host");
  if (TileService::not_modified(call.request, res, *v, "info")) co_return Answer::of(std::move(res));
  // The service id is absolute, as IIIF requires; it names the version so that tile URLs derived
  // from it are immutable, and carries the link the request came with, so that they work too.
  auto service = fmt::format("{}/iiif/3/{}-v{}{}", origin_of(call.request), v->entry->dataset_id,
                             v->entry->version, ident->link_suffix());
  open_to_any_origin(res, v->open_to_any_origin());
  res.body = tiles::iiif::info_json(v->pack().geometry(), v->pack().info().format, service);
  res.headers.set(bhttp::field::content_type, "application/json");
  res.headers.set("Link", "<http://iiif.io/api/image/3/level2.json>;rel=\"profile\"");
  co_return Answer::of(std::move(res));
}

TileReply image(Call& call, TileService& svc) {
  auto ident = parse_ident(call.param("ident"));
  if (!ident) co_return not_found();
  auto v = co_await view_of(svc, call, *ident);
  if (!v) co_return v.error();
  auto const& pack = v->pack();
  auto const& req = call.request;
  // A pre-cut tile in the pyramid's own format is sent as stored (no decode, no copy).
  auto at =
      tiles::iiif::precut_tile(pack.geometry(), pack.info().format, req.param("region"), req.param("size"),
                               req.param("rotation"), req.param("quality"), req.param("format"));
  Result<http::Response> res = make_error(ErrorCode::internal, "unreachable");
  if (at) {
    res = co_await svc.tile(req, *v, *at);
  } else {
    auto parsed = tiles::iiif::parse_image_request(
        pack.geometry().width(), pack.geometry().height(), tiles::iiif::kLimits, req.param("region"),
        req.param("size"), req.param("rotation"), req.param("quality"), req.param("format"));
    if (!parsed) co_return parsed.error();
    res = co_await svc.region(req, *v, *parsed);
  }
  if (!res) co_return res.error();
  open_to_any_origin(*res, v->open_to_any_origin());
  co_return Answer::of(std::move(*res));
}

TileReply base(Call& call) {
  co_return iiif_base(call.param("ident"));
}

}  // namespace

Result<Answer> iiif_base(std::string_view ident) {
  // Only what parses goes back out in Location: dataset id characters, "-vN", a well-formed link.
  if (!parse_ident(ident)) return not_found();
  http::Response res;
  res.status = bhttp::status::see_other;
  res.headers.set(bhttp::field::location, "/iiif/3/" + std::string(ident) + "/info.json");
  return Answer::of(std::move(res));
}

void add_iiif_routes(http::Router& router, Authenticator& authn, std::shared_ptr<TileService> svc,
                     Presentation presentation) {
  // Before "/iiif/3/{ident}", which would take "collection" for an image identifier.
  if (presentation.datasets && presentation.annotations)
    add_presentation_routes(router, authn, presentation, svc);
  std::string const ident =
      "A dataset id, or id-vN for one pyramid version, either followed by a link for other viewers "
      "(~exp~sig, "
      "POST /api/datasets/{id}/links): then readable by any origin";
  add_endpoint(
      router, authn,
      {.pattern = "/iiif/3/{ident}/info.json",
       .io_handler = [svc](Call& c) { return info(c, *svc); },
       .doc = tile_doc("iiif", "IIIF Image API 3.0 info.json", ident,
                       cached("The image information (level 2)", {{"application/json", "IiifInfo"}}))});
  add_endpoint(router, authn,
               {.pattern = "/iiif/3/{ident}",
                .access = Access::unidentified,
                .io_handler = base,
                .doc = tile_doc("iiif", "IIIF base URI", ident,
                                {{.status = 303, .description = "See info.json", .headers = {"Location"}}})});
  add_endpoint(router, authn,
               {.pattern = "/iiif/3/{ident}/{region}/{size}/{rotation}/{quality}.{format}",
                // Tiles come in bursts of hundreds: never rate limited.
                .rate_policy = "",
                .io_handler = [svc](Call& c) { return image(c, *svc); },
                .doc = tile_doc(
                    "iiif", "IIIF image request",
                    "Any region (full, square, x,y,w,h, pct:), size (max, w,, ,h, pct:n, w,h, !w,h, ^), "
                    "rotation 0/90/180/270 with ! mirroring, quality default/color/gray/bitonal, format "
                    "jpg/png/webp/tif",
                    cached("The image", {{"image/jpeg"}, {"image/png"}, {"image/webp"}, {"image/tiff"}}))});
}

}  // namespace astropixel::api
