#include "api/annotation_routes.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

#include "annotations/export.hpp"
#include "api/endpoint.hpp"
#include "api/json_body.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
namespace an = astropixel::annotations;

namespace {

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

Result<Answer> export_annotations(Call& call, an::AnnotationService& svc) {
  auto format = call.query("format").value_or("json");
  if (format != "json" && format != "csv" && format != "ds9")
    return invalid_field("format", "format must be json, csv or ds9");
  std::string id(call.param("id"));
  an::ListFilter all;
  all.limit = 1'000'000;
  auto list = svc.list(call.who, id, all);
  if (!list) return list.error();
  auto height = svc.image_height(call.who, id);
  if (!height) return height.error();
  auto const& items = list->first;
  http::Response res;
  if (format == "json") {
    boost::json::array out;
    for (auto const& x : items) out.push_back(annotation_json(x));
    res = http::json_response({{"dataset_id", id},
                               {"coordinates", "image pixels, origin top-left, y down"},
                               {"annotations", std::move(out)}});
  } else if (format == "csv") {
    res = http::text_response(an::to_csv(items), "text/csv; charset=utf-8");
  } else {
    res = http::text_response(an::to_ds9(items, *height), "text/plain; charset=utf-8");
  }
  res.headers.set(bhttp::field::content_disposition,
                  fmt::format("attachment; filename=\"annotations-{}.{}\"", id.substr(0, 8),
                              format == "ds9" ? "reg" : format));
  res.headers.set(bhttp::field::cache_control, "no-store");
  return Answer::of(std::move(res));
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
  add_endpoint(router, authn,
               {.pattern = "/api/datasets/{id}/annotations", .handler = with(list_annotations)});
  add_endpoint(router, authn,
               {.method = verb::post,
                .pattern = "/api/datasets/{id}/annotations",
                .body = Body::json,
                .max_body = geometry_limit,
                .handler = with(create_annotation)});
  for (auto method : {verb::put, verb::patch}) {
    add_endpoint(router, authn,
                 {.method = method,
                  .pattern = "/api/datasets/{id}/annotations/{aid}",
                  .body = Body::json,
                  .max_body = geometry_limit,
                  .handler = with(update_annotation)});
  }
  add_endpoint(router, authn,
               {.method = verb::delete_,
                .pattern = "/api/datasets/{id}/annotations/{aid}",
                .handler = with(delete_annotation)});
  add_endpoint(router, authn,
               {.pattern = "/api/datasets/{id}/annotations/export", .handler = with(export_annotations)});
}

}  // namespace astropixel::api
