#include "api/annotation_routes.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

#include "annotations/ds9_region.hpp"
#include "annotations/export.hpp"
#include "annotations/image_wcs.hpp"
#include "annotations/region_import.hpp"
#include "api/endpoint.hpp"
#include "api/json_body.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
namespace an = astropixel::annotations;

namespace {

constexpr std::uint64_t kImportLimit = 2 * 1024 * 1024;

boost::json::object annotation_json(an::Annotation const& a) {
  return {{"id", a.id},
          {"dataset_id", a.dataset_id},
          {"author_id", a.author_id.empty() ? boost::json::value(nullptr) : boost::json::value(a.author_id)},
          {"kind", an::to_string(a.kind)},
          {"label", a.label},
          {"color", a.color},
          {"geometry", boost::json::parse(an::geometry_json(a.kind, a.geometry))},
          {"created_at", iso8601(a.created_at)},
          {"updated_at", iso8601(a.updated_at)}};
}

int int_query(Call const& call, std::string_view name, int fallback, int lo, int hi) {
  auto v = call.query(name);
  if (!v) return fallback;
  int out = fallback;
  std::from_chars(v->data(), v->data() + v->size(), out);
  return std::clamp(out, lo, hi);
}

Result<std::string> geometry_text(boost::json::object const& body) {
  auto const* g = body.if_contains("geometry");
  if (!g || !g->is_object()) return invalid_field("geometry", "geometry must be an object");
  return boost::json::serialize(*g);
}

Result<Answer> list_annotations(Call& call, an::AnnotationService& svc) {
  an::ListFilter f;
  if (auto k = call.query("kind"); k && !k->empty()) {
    auto kind = an::parse_kind(*k);
    if (!kind) return kind.error();
    f.kind = *kind;
  }
  f.text = call.query("q").value_or("").substr(0, 200);
  f.limit = int_query(call, "limit", 1000, 1, 5000);
  f.offset = int_query(call, "offset", 0, 0, 10'000'000);
  auto r = svc.list(call.who, std::string(call.param("id")), f);
  if (!r) return r.error();
  boost::json::array items;
  for (auto const& x : r->first) items.push_back(annotation_json(x));
  return Answer::ok(
      {{"items", std::move(items)}, {"total", r->second}, {"limit", f.limit}, {"offset", f.offset}});
}

Result<Answer> create_annotation(Call& call, an::AnnotationService& svc) {
  auto n = new_annotation(call.body);
  if (!n) return n.error();
  auto r = svc.create(call.who, std::string(call.param("id")), *n);
  if (!r) return r.error();
  return Answer::created(annotation_json(*r));
}

Result<Answer> update_annotation(Call& call, an::AnnotationService& svc) {
  auto p = annotation_patch(call.body);
  if (!p) return p.error();
  auto r = svc.update(call.who, std::string(call.param("id")), std::string(call.param("aid")), *p);
  if (!r) return r.error();
  return Answer::ok(annotation_json(*r));
}

Result<Answer> delete_annotation(Call& call, an::AnnotationService& svc) {
  if (auto s = svc.remove(call.who, std::string(call.param("id")), std::string(call.param("aid"))); !s)
    return s.error();
  return Answer::no_content();
}

// Export and import name their coordinate system: image, or a sky frame through the WCS.
Result<std::optional<an::Frame>> frame_param(std::optional<std::string> const& v, bool import) {
  std::string const s = v.value_or("image");
  if (s == "image") return std::optional<an::Frame>{};
  if (s == "fk5") return std::optional<an::Frame>(an::Frame::fk5);
  if (s == "icrs") return std::optional<an::Frame>(an::Frame::icrs);
  if (s == "galactic") return std::optional<an::Frame>(an::Frame::galactic);
  if (import && s == "fk4") return std::optional<an::Frame>(an::Frame::fk4);
  if (import && s == "ecliptic") return std::optional<an::Frame>(an::Frame::ecliptic);
  return invalid_field("system", import ? "system must be image, fk5, icrs, fk4, galactic or ecliptic"
                                        : "system must be image, fk5, icrs or galactic");
}

Result<bool> bool_param(Call const& call, std::string_view name) {
  auto v = call.query(name).value_or("false");
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  return invalid_field(std::string(name), std::string(name) + " must be true or false");
}

// The dataset's WCS for a sky frame: 400 with the reason (no_celestial_wcs, wcs_unsupported)
// when it cannot be had.
Result<std::unique_ptr<an::ImageWcs>> wcs_for_export(an::AnnotationService::Sky const& sky) {
  auto wcs = an::ImageWcs::from_json(sky.wcs_json, sky.height);
  if (!wcs) {
    Error e = wcs.error();
    e.code = ErrorCode::bad_request;
    e.field = "system";
    return e;
  }
  return std::move(*wcs);
}

Result<Answer> export_annotations(Call& call, an::AnnotationService& svc) {
  auto format = call.query("format").value_or("json");
  if (format != "json" && format != "csv" && format != "ds9" && format != "catalog")
    return invalid_field("format", "format must be json, csv, ds9 or catalog");
  auto frame = frame_param(call.query("system"), false);
  if (!frame) return frame.error();
  auto sexagesimal = bool_param(call, "sexagesimal");
  if (!sexagesimal) return sexagesimal.error();
  std::string id(call.param("id"));
  an::ListFilter all;
  all.limit = 1'000'000;
  auto list = svc.list(call.who, id, all);
  if (!list) return list.error();
  auto sky = svc.sky(call.who, id);
  if (!sky) return sky.error();
  std::unique_ptr<an::ImageWcs> wcs;
  if (*frame && (format == "ds9" || format == "catalog")) {
    auto w = wcs_for_export(*sky);
    if (!w) return w.error();
    wcs = std::move(*w);
  }
  auto const& items = list->first;
  http::Response res;
  std::string extension = format;
  if (format == "json") {
    boost::json::array out;
    for (auto const& x : items) out.push_back(annotation_json(x));
    res = http::json_response({{"dataset_id", id},
                               {"coordinates", "image pixels, origin top-left, y down"},
                               {"annotations", std::move(out)}});
  } else if (format == "csv") {
    res = http::text_response(an::to_csv(items), "text/csv; charset=utf-8");
  } else if (format == "catalog") {
    res =
        http::text_response(an::to_catalogue(items, wcs.get(), frame->value_or(an::Frame::fk5), *sexagesimal),
                            "text/csv; charset=utf-8");
    extension = "csv";
  } else {
    res = http::text_response(
        wcs ? an::to_ds9_sky(items, *wcs, **frame, *sexagesimal) : an::to_ds9(items, sky->height),
        "text/plain; charset=utf-8");
    extension = "reg";
  }
  res.headers.set(bhttp::field::content_disposition,
                  fmt::format("attachment; filename=\"annotations-{}.{}\"", id.substr(0, 8), extension));
  res.headers.set(bhttp::field::cache_control, "no-store");
  return Answer::of(std::move(res));
}

boost::json::array issues_json(std::vector<an::LineIssue> const& issues, std::string_view key) {
  boost::json::array out;
  for (auto const& i : issues) out.push_back({{"line", i.line}, {"text", i.text}, {key, i.reason}});
  return out;
}

// POST .../annotations/import: a DS9 region file or a CSV catalogue as the body.
Result<Answer> import_annotations(an::AnnotationService& svc, std::optional<auth::Principal> const& who,
                                  std::string const& id, std::string_view format,
                                  std::optional<an::Frame> frame, std::string const& body) {
  auto sky = svc.sky(who, id);
  if (!sky) return sky.error();
  std::unique_ptr<an::ImageWcs> wcs;
  if (!sky->wcs_json.empty()) {
    if (auto w = an::ImageWcs::from_json(sky->wcs_json, sky->height)) wcs = std::move(*w);
  }
  an::ImportResult result;
  if (format == "csv") {
    auto r = an::import_catalogue(body, wcs.get(), frame.value_or(an::Frame::fk5), sky->width, sky->height);
    if (!r) return r.error();
    result = std::move(*r);
  } else {
    auto file = an::parse_ds9(body);
    if (!file) return file.error();
    result = an::import_regions(*file, wcs.get(), sky->width, sky->height);
  }
  auto created = svc.add_imported(who, id, result.items);
  if (!created) return created.error();
  return Answer::ok({{"created", *created},
                     {"skipped", issues_json(result.skipped, "reason")},
                     {"notes", issues_json(result.notes, "note")}});
}

}  // namespace

Result<an::NewAnnotation> new_annotation(boost::json::object const& body) {
  an::NewAnnotation n;
  auto kind = required_string(body, "kind");
  if (!kind) return kind.error();
  auto label = required_string(body, "label");
  if (!label) return label.error();
  auto color = optional_string(body, "color");
  if (!color) return color.error();
  auto geometry = geometry_text(body);
  if (!geometry) return geometry.error();
  n.kind = *kind;
  n.label = *label;
  if (*color) n.color = **color;
  n.geometry_json = *geometry;
  return n;
}

Result<an::Patch> annotation_patch(boost::json::object const& body) {
  an::Patch p;
  auto label = optional_string(body, "label");
  if (!label) return label.error();
  auto color = optional_string(body, "color");
  if (!color) return color.error();
  p.label = *label;
  p.color = *color;
  if (body.contains("geometry")) {
    auto g = geometry_text(body);
    if (!g) return g.error();
    p.geometry_json = *g;
  }
  return p;
}

void add_annotation_routes(http::Router& router, Authenticator& authn, an::AnnotationService& service) {
  using bhttp::verb;
  auto* svc = &service;
  auto with = [svc](auto f) { return [svc, f](Call& c) { return f(c, *svc); }; };
  std::uint64_t const geometry_limit = 256 * 1024;
  std::string const tag = "annotations";
  add_endpoint(
      router, authn,
      {.pattern = "/api/datasets/{id}/annotations",
       .handler = with(list_annotations),
       .doc = {.summary = "A dataset's annotations, oldest first",
               .tag = tag,
               .query = {{.name = "kind", .schema = R"({"$ref":"#/components/schemas/AnnotationKind"})"},
                         {.name = "q", .description = "Text to look for in labels"},
                         {.name = "limit",
                          .schema = R"({"type":"integer","minimum":1,"maximum":5000,"default":1000})"},
                         {.name = "offset", .schema = R"({"type":"integer","minimum":0,"default":0})"}},
               .answers = {json_answer("AnnotationPage")},
               .errors = {400, 404}}});
  add_endpoint(router, authn,
               {.method = verb::post,
                .pattern = "/api/datasets/{id}/annotations",
                .body = Body::json,
                .max_body = geometry_limit,
                .handler = with(create_annotation),
                .doc = {.summary = "Add an annotation",
                        .tag = tag,
                        .description = "Signed-in readers of the dataset (401 for guests); geometry in image "
                                       "pixels, inside the image",
                        .body = json_body("NewAnnotation"),
                        .answers = {json_answer("Annotation", 201)},
                        .errors = {401, 404}}});
  for (auto method : {verb::put, verb::patch}) {
    add_endpoint(router, authn,
                 {.method = method,
                  .pattern = "/api/datasets/{id}/annotations/{aid}",
                  .body = Body::json,
                  .max_body = geometry_limit,
                  .handler = with(update_annotation),
                  .doc = {.summary = "Change an annotation's label, color or geometry",
                          .tag = tag,
                          .description = "The author, the dataset's owner or an admin (403 otherwise)",
                          .body = json_body("AnnotationChange"),
                          .answers = {json_answer("Annotation")},
                          .errors = {401, 404}}});
  }
  add_endpoint(router, authn,
               {.method = verb::delete_,
                .pattern = "/api/datasets/{id}/annotations/{aid}",
                .handler = with(delete_annotation),
                .doc = {.summary = "Delete an annotation",
                        .tag = tag,
                        .description = "The author, the dataset's owner or an admin (403 otherwise)",
                        .answers = {empty_answer("Deleted")},
                        .errors = {401, 404}}});
  add_endpoint(
      router, authn,
      {.pattern = "/api/datasets/{id}/annotations/export",
       .handler = with(export_annotations),
       .doc = {
           .summary = "Download the annotations (JSON, CSV, DS9 regions or a point catalogue)",
           .tag = tag,
           .description = "Sky systems go through the dataset's celestial WCS (400 no_celestial_wcs, "
                          "wcs_unsupported otherwise)",
           .query =
               {{.name = "format", .schema = R"({"enum":["json","csv","ds9","catalog"],"default":"json"})"},
                {.name = "system",
                 .schema = R"({"enum":["image","fk5","icrs","galactic"],"default":"image"})"},
                {.name = "sexagesimal", .schema = R"({"enum":["true","false","1","0"],"default":"false"})"}},
           .answers = {{.status = 200,
                        .description = "A download (Content-Disposition: attachment)",
                        .content = {{"application/json", "AnnotationExport"}, {"text/csv"}, {"text/plain"}},
                        .headers = {"Content-Disposition"}}},
           .errors = {400, 404}}});
  // Import reads a text body (a region file or a CSV catalogue), which the JSON endpoint adapter
  // does not: the same steps by hand (caller, body, then the blocking pool).
  auto* a = &authn;
  router.add(
      verb::post, "/api/datasets/{id}/annotations/import",
      [a, svc](http::Request& req) -> http::asio::awaitable<Result<http::Response>> {
        auto user = co_await a->require_user(req);
        if (!user) co_return user.error();
        std::optional<auth::Principal> who = user->principal;
        auto format = req.query_param("format");
        std::string_view const type = req.header("Content-Type");
        std::string const kind = format ? *format : type.starts_with("text/csv") ? "csv" : "ds9";
        if (kind != "ds9" && kind != "csv") co_return invalid_field("format", "format must be ds9 or csv");
        if (!type.empty() && !type.starts_with("text/plain") && !type.starts_with("text/csv") &&
            !type.starts_with("application/octet-stream") && !type.starts_with("text/x-ds9")) {
          Error e = make_error(ErrorCode::unsupported_media_type,
                               "Send the file as text/plain, text/csv or application/octet-stream");
          co_return e;
        }
        auto frame = frame_param(req.query_param("system").value_or("fk5"), true);
        if (!frame) co_return frame.error();
        auto body = co_await req.body->read_all();
        if (!body) co_return body.error();
        std::string const id(req.param("id"));
        auto job = [svc, &who, &id, &kind, &frame, &body] {
          return import_annotations(*svc, who, id, kind, *frame, *body);
        };
        auto answer = co_await a->blocking().run(job);
        if (!answer) co_return answer.error();
        co_return to_response(*answer);
      },
      {.max_body = kImportLimit,
       .doc = {
           .summary = "Import a DS9 region file or a CSV catalogue as annotations",
           .tag = tag,
           .description = "Signed-in readers. Every line not imported is in `skipped` with its "
                          "reason; at most 10,000 annotations per import, in one transaction",
           .security = "user",
           .query = {{.name = "format",
                      .schema = R"({"enum":["ds9","csv"]})",
                      .description = "Default: csv for text/csv, else ds9"},
                     {.name = "system",
                      .schema =
                          R"({"enum":["fk5","icrs","fk4","galactic","ecliptic","image"],"default":"fk5"})",
                      .description = "The frame of a catalogue's ra,dec columns"}},
           .body = {{"text/plain", R"({"type":"string"})"},
                    {"text/csv", R"({"type":"string"})"},
                    {"application/octet-stream"}},
           .answers = {json_answer("ImportResult")},
           .errors = {400, 401, 403, 404, 413, 415, 422, 429}}});
}

}  // namespace astropixel::api
