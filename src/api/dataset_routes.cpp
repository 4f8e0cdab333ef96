#include "api/dataset_routes.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>
#include <tuple>

#include "api/json_body.hpp"
#include "datasets/stretch_request.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
using Reply = http::asio::awaitable<Result<http::Response>>;

namespace {

Result<int> int_param(http::Request const& req, std::string_view name, int fallback, int lo, int hi) {
  auto v = req.query_param(name);
  if (!v) return fallback;
  int out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size() || out < lo || out > hi) {
    Error e = make_error(ErrorCode::validation,
                         fmt::format("{} must be a whole number from {} to {}", name, lo, hi));
    e.field = std::string(name);
    return e;
  }
  return out;
}

std::optional<auth::Principal> principal_of(std::optional<auth::Authenticated> const& who) {
  if (!who) return std::nullopt;
  return who->principal;
}

http::asio::awaitable<Result<std::optional<auth::Principal>>> viewer(Authenticator& authn,
                                                                     http::Request& req) {
  auto who = co_await authn.identify(req);
  if (!who) co_return who.error();
  co_return principal_of(*who);
}

http::Response no_store(http::Response r) {
  r.headers.set(bhttp::field::cache_control, "no-store");
  return r;
}

Result<datasets::ListQuery> list_query(http::Request const& req, std::optional<auth::Principal> const& who) {
  datasets::ListQuery q;
  if (auto c = req.query_param("category"); c && !c->empty()) {
    if (!datasets::valid_category(*c))
      return invalid_field("category", "Category must be earth, mars, space or other");
    q.category = *c;
  }
  if (auto s = req.query_param("status"); s && !s->empty()) {
    q.status = datasets::parse_status(*s);
    if (!q.status) return invalid_field("status", "Status must be pending, processing, completed or failed");
  }
  if (auto v = req.query_param("visibility"); v && !v->empty()) {
    q.visibility = datasets::parse_visibility(*v);
    if (!q.visibility) return invalid_field("visibility", "Visibility must be private or public");
  }
  if (auto m = req.query_param("mine"); m && (*m == "true" || *m == "1")) {
    if (!who) return auth::require_user(std::nullopt).error();
    q.owner_id = who->user_id;
  }
  q.text = req.query_param("q").value_or("").substr(0, 200);
  q.sort = req.query_param("sort").value_or("-date");
  auto limit = int_param(req, "limit", 50, 1, 200);
  if (!limit) return limit.error();
  auto offset = int_param(req, "offset", 0, 0, 10'000'000);
  if (!offset) return offset.error();
  q.limit = *limit;
  q.offset = *offset;
  return q;
}

}  // namespace

boost::json::object dataset_json(datasets::Dataset const& d, std::optional<auth::Principal> const& viewer) {
  boost::json::object o{
      {"id", d.id},
      {"name", d.name},
      {"description", d.description},
      {"category", d.category},
      {"visibility", datasets::to_string(d.visibility)},
      {"is_public", d.visibility == auth::Visibility::public_},
      {"is_demo", d.owner_id.empty()},
      {"owner_id", d.owner_id.empty() ? boost::json::value(nullptr) : boost::json::value(d.owner_id)},
      {"is_owner", viewer && !d.owner_id.empty() && viewer->user_id == d.owner_id},
      {"file_name", d.file_name},
      {"file_size", d.file_size},
      {"format", d.format},
      {"width", d.width},
      {"height", d.height},
      {"bands", d.bands},
      {"bit_depth", d.bit_depth},
      {"sample_format", d.sample_format},
      {"status", datasets::to_string(d.status)},
      {"progress", d.progress},
      {"failure_code",
       d.failure_code.empty() ? boost::json::value(nullptr) : boost::json::value(d.failure_code)},
      {"failure_reason",
       d.failure_reason.empty() ? boost::json::value(nullptr) : boost::json::value(d.failure_reason)},
      {"pyramid_version", d.pyramid_version},
      {"created_at", iso8601(d.created_at)},
      {"updated_at", iso8601(d.updated_at)},
      {"expires_at",
       d.expires_at ? boost::json::value(iso8601(*d.expires_at)) : boost::json::value(nullptr)}};
  boost::system::error_code ec;
  o["stretch"] = d.stretch.empty() ? boost::json::value(nullptr) : boost::json::parse(d.stretch, ec);
  if (d.pyramid_version > 0) {
    auto info = boost::json::parse(d.pyramid_info, ec);
    if (!ec && info.is_object()) o["pyramid"] = info;
    auto base = "/api/datasets/" + d.id;
    auto v = fmt::format("/v{}", d.pyramid_version);
    std::string fmt_ext = "jpg";
    if (auto const* pi = o.if_contains("pyramid"); pi && pi->is_object()) {
      if (auto const* f = pi->as_object().if_contains("tile_format"); f && f->is_string())
        fmt_ext = std::string(f->as_string());
    }
    o["urls"] = boost::json::object{
        {"dzi", base + v + "/image.dzi"},
        {"iiif", fmt::format("/iiif/3/{}-v{}/info.json", d.id, d.pyramid_version)},
        {"xyz", fmt::format("/api/tiles/{}/{{z}}/{{x}}/{{y}}.{}?v={}", d.id, fmt_ext, d.pyramid_version)},
        {"preview", base + v + "/preview"},
    };
  } else {
    o["urls"] = nullptr;
  }
  return o;
}

void add_dataset_routes(http::Router& router, Authenticator& authn, datasets::DatasetService& datasets,
                        std::function<void(std::string const&)> changed) {
  auto* a = &authn;
  auto* ds = &datasets;
  auto notify = std::make_shared<std::function<void(std::string const&)>>(std::move(changed));
  http::RouteOptions read{.max_body = 0, .rate_policy = "default"};
  http::RouteOptions write{.max_body = 16 * 1024, .rate_policy = "default"};

  router.add(
      bhttp::verb::get, "/api/datasets",
      [a, ds](http::Request& req) -> Reply {
        auto who = co_await viewer(*a, req);
        if (!who) co_return who.error();
        auto q = list_query(req, *who);
        if (!q) co_return q.error();
        auto job = [ds, &who, &q] { return ds->list(*who, *q); };
        auto page = co_await a->blocking().run(job);
        if (!page) co_return page.error();
        boost::json::array items;
        for (auto const& d : page->items) items.push_back(dataset_json(d, *who));
        co_return no_store(http::json_response({{"items", std::move(items)},
                                                {"total", page->total},
                                                {"limit", q->limit},
                                                {"offset", q->offset}}));
      },
      read);

  router.add(
      bhttp::verb::get, "/api/datasets/{id}",
      [a, ds](http::Request& req) -> Reply {
        auto who = co_await viewer(*a, req);
        if (!who) co_return who.error();
        std::string id(req.param("id"));
        auto job = [ds, &who, &id] { return ds->get(*who, id); };
        auto d = co_await a->blocking().run(job);
        if (!d) co_return d.error();
        co_return no_store(http::json_response(dataset_json(*d, *who)));
      },
      read);

  router.add(
      bhttp::verb::get, "/api/datasets/{id}/status",
      [a, ds](http::Request& req) -> Reply {
        auto who = co_await viewer(*a, req);
        if (!who) co_return who.error();
        std::string id(req.param("id"));
        auto job = [ds, &who, &id] { return ds->get(*who, id); };
        auto d = co_await a->blocking().run(job);
        if (!d) co_return d.error();
        co_return no_store(http::json_response(
            {{"id", d->id},
             {"status", datasets::to_string(d->status)},
             {"progress", d->progress},
             {"failure_code",
              d->failure_code.empty() ? boost::json::value(nullptr) : boost::json::value(d->failure_code)},
             {"failure_reason", d->failure_reason.empty() ? boost::json::value(nullptr)
                                                          : boost::json::value(d->failure_reason)},
             {"pyramid_version", d->pyramid_version}}));
      },
      read);

  auto update = [a, ds, notify](http::Request& req) -> Reply {
    auto who = co_await a->require_user(req);
    if (!who) co_return who.error();
    auto body = co_await read_json_object(req);
    if (!body) co_return body.error();
    datasets::DetailsPatch patch;
    for (auto [key, slot] : {std::pair{"name", &patch.name}, std::pair{"description", &patch.description},
                             std::pair{"category", &patch.category}}) {
      auto v = optional_string(*body, key);
      if (!v) co_return v.error();
      *slot = *v;
    }
    if (auto const* p = body->if_contains("is_public"); p && !p->is_null()) {
      if (!p->is_bool()) co_return invalid_field("is_public", "is_public must be true or false");
      patch.visibility = p->as_bool() ? auth::Visibility::public_ : auth::Visibility::private_;
    }
    auto vis = optional_string(*body, "visibility");
    if (!vis) co_return vis.error();
    if (*vis) {
      patch.visibility = datasets::parse_visibility(**vis);
      if (!patch.visibility) co_return invalid_field("visibility", "Visibility must be private or public");
    }
    std::optional<auth::Principal> principal = who->principal;
    std::string id(req.param("id"));
    auto job = [ds, &principal, &id, &patch] { return ds->update(principal, id, patch); };
    auto d = co_await a->blocking().run(job);
    if (!d) co_return d.error();
    (*notify)(id);
    co_return no_store(http::json_response(dataset_json(*d, principal)));
  };
  router.add(bhttp::verb::put, "/api/datasets/{id}", update, write);
  router.add(bhttp::verb::patch, "/api/datasets/{id}", update, write);

  router.add(
      bhttp::verb::delete_, "/api/datasets/{id}",
      [a, ds, notify](http::Request& req) -> Reply {
        auto who = co_await a->require_user(req);
        if (!who) co_return who.error();
        std::optional<auth::Principal> principal = who->principal;
        std::string id(req.param("id"));
        auto job = [ds, &principal, &id] { return ds->remove(principal, id); };
        if (auto s = co_await a->blocking().run(job); !s) co_return s.error();
        (*notify)(id);
        http::Response r;
        r.status = bhttp::status::no_content;
        co_return r;
      },
      read);

  router.add(
      bhttp::verb::post, "/api/datasets/{id}/reprocess",
      [a, ds, notify](http::Request& req) -> Reply {
        auto who = co_await a->require_user(req);
        if (!who) co_return who.error();
        datasets::RequestChange change;
        if (req.body->content_length().value_or(0) > 0 || !req.header("Transfer-Encoding").empty()) {
          auto body = co_await read_json_object(req);
          if (!body) co_return body.error();
          auto kind = optional_string(*body, "stretch");
          if (!kind) co_return kind.error();
          change.kind = *kind;
          if (auto const* c = body->if_contains("cuts"); c && !c->is_null()) {
            if (!c->is_array() || c->as_array().size() != 2 || !c->as_array()[0].is_number() ||
                !c->as_array()[1].is_number())
              co_return invalid_field("cuts", "cuts must be [low, high]");
            change.cuts =
                std::pair(c->as_array()[0].to_number<double>(), c->as_array()[1].to_number<double>());
          }
          // FITS: another HDU or plane of the same file.
          for (auto [key, into, max] : {std::tuple("hdu", &change.hdu, datasets::kMaxHdu),
                                        std::tuple("plane", &change.plane, datasets::kMaxPlane)}) {
            auto const* v = body->if_contains(key);
            if (!v || v->is_null()) continue;
            if (!v->is_int64() || v->as_int64() < 0 || v->as_int64() > max)
              co_return invalid_field(key, fmt::format("{} must be a whole number from 0 to {}", key, max));
            *into = static_cast<int>(v->as_int64());
          }
        }
        std::optional<auth::Principal> principal = who->principal;
        std::string id(req.param("id"));
        auto job = [ds, &principal, &id, &change] { return ds->reprocess(principal, id, change); };
        auto d = co_await a->blocking().run(job);
        if (!d) co_return d.error();
        (*notify)(id);
        co_return no_store(http::json_response(dataset_json(*d, principal), bhttp::status::accepted));
      },
      write);

  router.add(
      bhttp::verb::get, "/api/stats",
      [a, ds](http::Request& req) -> Reply {
        auto who = co_await viewer(*a, req);
        if (!who) co_return who.error();
        auto job = [ds, &who] { return ds->stats(*who); };
        auto s = co_await a->blocking().run(job);
        if (!s) co_return s.error();
        auto counts = [](auto const& v) {
          boost::json::object o;
          for (auto const& [k, n] : v) o[k] = n;
          return o;
        };
        co_return no_store(http::json_response({{"datasets", s->datasets},
                                                {"total_bytes", s->total_bytes},
                                                {"total_pixels", s->total_pixels},
                                                {"by_category", counts(s->by_category)},
                                                {"by_status", counts(s->by_status)},
                                                {"by_format", counts(s->by_format)}}));
      },
      read);
}

}  // namespace astropixel::api
