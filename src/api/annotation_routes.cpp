#include "api/annotation_routes.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

#include "annotations/export.hpp"
#include "api/json_body.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
using Reply = http::asio::awaitable<Result<http::Response>>;
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

http::asio::awaitable<Result<std::optional<auth::Principal>>> viewer(Authenticator& authn,
                                                                     http::Request& req) {
  auto who = co_await authn.identify(req);
  if (!who) co_return who.error();
  std::optional<auth::Principal> p;
  if (*who) p = (*who)->principal;
  co_return p;
}

int int_query(http::Request const& req, std::string_view name, int fallback, int lo, int hi) {
  auto v = req.query_param(name);
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

}  // namespace

void add_annotation_routes(http::Router& router, Authenticator& authn, an::AnnotationService& service) {
  auto* a = &authn;
  auto* svc = &service;
  http::RouteOptions read{.max_body = 0, .rate_policy = "default"};
  http::RouteOptions write{.max_body = 256 * 1024, .rate_policy = "default"};

  router.add(
      bhttp::verb::get, "/api/datasets/{id}/annotations",
      [a, svc](http::Request& req) -> Reply {
        auto who = co_await viewer(*a, req);
        if (!who) co_return who.error();
        an::ListFilter f;
        if (auto k = req.query_param("kind"); k && !k->empty()) {
          auto kind = an::parse_kind(*k);
          if (!kind) co_return kind.error();
          f.kind = *kind;
        }
        f.text = req.query_param("q").value_or("").substr(0, 200);
        f.limit = int_query(req, "limit", 1000, 1, 5000);
        f.offset = int_query(req, "offset", 0, 0, 10'000'000);
        std::string id(req.param("id"));
        auto job = [svc, &who, &id, &f] { return svc->list(*who, id, f); };
        auto r = co_await a->blocking().run(job);
        if (!r) co_return r.error();
        boost::json::array items;
        for (auto const& x : r->first) items.push_back(annotation_json(x));
        auto res = http::json_response(
            {{"items", std::move(items)}, {"total", r->second}, {"limit", f.limit}, {"offset", f.offset}});
        res.headers.set(bhttp::field::cache_control, "no-store");
        co_return res;
      },
      read);

  router.add(
      bhttp::verb::post, "/api/datasets/{id}/annotations",
      [a, svc](http::Request& req) -> Reply {
        auto who = co_await viewer(*a, req);
        if (!who) co_return who.error();
        auto body = co_await read_json_object(req);
        if (!body) co_return body.error();
        an::NewAnnotation n;
        auto kind = required_string(*body, "kind");
        if (!kind) co_return kind.error();
        auto label = required_string(*body, "label");
        if (!label) co_return label.error();
        auto color = optional_string(*body, "color");
        if (!color) co_return color.error();
        auto geometry = geometry_text(*body);
        if (!geometry) co_return geometry.error();
        n.kind = *kind;
        n.label = *label;
        if (*color) n.color = **color;
        n.geometry_json = *geometry;
        std::string id(req.param("id"));
        auto job = [svc, &who, &id, &n] { return svc->create(*who, id, n); };
        auto r = co_await a->blocking().run(job);
        if (!r) co_return r.error();
        co_return http::json_response(annotation_json(*r), bhttp::status::created);
      },
      write);

  auto update = [a, svc](http::Request& req) -> Reply {
    auto who = co_await viewer(*a, req);
    if (!who) co_return who.error();
    auto body = co_await read_json_object(req);
    if (!body) co_return body.error();
    an::Patch p;
    auto label = optional_string(*body, "label");
    if (!label) co_return label.error();
    auto color = optional_string(*body, "color");
    if (!color) co_return color.error();
    p.label = *label;
    p.color = *color;
    if (body->contains("geometry")) {
      auto g = geometry_text(*body);
      if (!g) co_return g.error();
      p.geometry_json = *g;
    }
    std::string id(req.param("id")), aid(req.param("aid"));
    auto job = [svc, &who, &id, &aid, &p] { return svc->update(*who, id, aid, p); };
    auto r = co_await a->blocking().run(job);
    if (!r) co_return r.error();
    co_return http::json_response(annotation_json(*r));
  };
  router.add(bhttp::verb::put, "/api/datasets/{id}/annotations/{aid}", update, write);
  router.add(bhttp::verb::patch, "/api/datasets/{id}/annotations/{aid}", update, write);

  router.add(
      bhttp::verb::delete_, "/api/datasets/{id}/annotations/{aid}",
      [a, svc](http::Request& req) -> Reply {
        auto who = co_await viewer(*a, req);
        if (!who) co_return who.error();
        std::string id(req.param("id")), aid(req.param("aid"));
        auto job = [svc, &who, &id, &aid] { return svc->remove(*who, id, aid); };
        if (auto s = co_await a->blocking().run(job); !s) co_return s.error();
        http::Response r;
        r.status = bhttp::status::no_content;
        co_return r;
      },
      read);

  router.add(
      bhttp::verb::get, "/api/datasets/{id}/annotations/export",
      [a, svc](http::Request& req) -> Reply {
        auto who = co_await viewer(*a, req);
        if (!who) co_return who.error();
        auto format = req.query_param("format").value_or("json");
        if (format != "json" && format != "csv" && format != "ds9")
          co_return invalid_field("format", "format must be json, csv or ds9");
        std::string id(req.param("id"));
        an::ListFilter all;
        all.limit = 1'000'000;
        auto job = [svc, &who, &id, &all]() -> Result<std::pair<std::vector<an::Annotation>, double>> {
          auto list = svc->list(*who, id, all);
          if (!list) return list.error();
          auto h = svc->image_height(*who, id);
          if (!h) return h.error();
          return std::pair{std::move(list->first), *h};
        };
        auto r = co_await a->blocking().run(job);
        if (!r) co_return r.error();
        http::Response res;
        std::string ext = format == "ds9" ? "reg" : format;
        if (format == "json") {
          boost::json::array items;
          for (auto const& x : r->first) items.push_back(annotation_json(x));
          res = http::json_response({{"dataset_id", id},
                                     {"coordinates", "image pixels, origin top-left, y down"},
                                     {"annotations", std::move(items)}});
        } else if (format == "csv") {
          res = http::text_response(an::to_csv(r->first), "text/csv; charset=utf-8");
        } else {
          res = http::text_response(an::to_ds9(r->first, r->second), "text/plain; charset=utf-8");
        }
        res.headers.set(bhttp::field::content_disposition,
                        fmt::format("attachment; filename=\"annotations-{}.{}\"", id.substr(0, 8), ext));
        res.headers.set(bhttp::field::cache_control, "no-store");
        co_return res;
      },
      read);
}

}  // namespace astropixel::api
