#include "api/dataset_routes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <tuple>

#include "api/endpoint.hpp"
#include "api/json_body.hpp"
#include "core/error_catalogue.hpp"
#include "datasets/stretch_request.hpp"
#include "pyramid/stretch.hpp"
#include "tiles/deep_zoom.hpp"
#include "tiles/iiif.hpp"
#include "tiles/xyz.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;

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

namespace {

// A build viewers can follow before it publishes (ADR 0034): its version's Deep Zoom descriptor (the
// same URL after publishing), the tile rows written so far of each level, and its preview once the
// build wrote it first (ADR 0036); null when none.
boost::json::value building_json(datasets::Dataset const& d) {
  if (d.building.empty() || d.status != datasets::DatasetStatus::processing) return nullptr;
  boost::system::error_code ec;
  auto v = boost::json::parse(d.building, ec);
  auto const* o = !ec ? v.if_object() : nullptr;
  auto const* version = o ? o->if_contains("version") : nullptr;
  auto const* rows = o ? o->if_contains("tile_rows") : nullptr;
  auto const* number = o ? o->if_contains("checkpoint") : nullptr;
  if (!version || !version->is_int64() || !rows || !rows->is_array() || !number || !number->is_int64())
    return nullptr;
  auto const* preview = o->if_contains("preview");
  bool const has_preview = preview && preview->is_bool() && preview->as_bool();
  return boost::json::object{
      {"version", *version},
      {"dzi", tiles::deep_zoom::client_url(d.id, static_cast<int>(version->as_int64()))},
      {"tile_rows", *rows},
      {"checkpoint", *number},
      {"preview", has_preview ? boost::json::value(
                                    fmt::format("/api/datasets/{}/v{}/preview", d.id, version->as_int64()))
                              : boost::json::value(nullptr)}};
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
  // The owner's default live display (ADR 0024), kept in the stretch request.
  auto const* display = o["stretch"].is_object() ? o["stretch"].as_object().if_contains("display") : nullptr;
  o["display"] = display ? *display : boost::json::value(nullptr);
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
        {"dzi", tiles::deep_zoom::client_url(d.id, d.pyramid_version)},
        {"iiif", tiles::iiif::client_url(d.id, d.pyramid_version)},
        {"xyz", tiles::xyz::client_url(d.id, d.pyramid_version, fmt_ext)},
        {"preview", base + v + "/preview"},
    };
  } else {
    o["urls"] = nullptr;
  }
  o["building"] = building_json(d);
  return o;
}

Result<datasets::DetailsPatch> details_patch(boost::json::object const& body) {
  datasets::DetailsPatch patch;
  for (auto [key, slot] : {std::pair{"name", &patch.name}, std::pair{"description", &patch.description},
                           std::pair{"category", &patch.category}}) {
    auto v = optional_string(body, key);
    if (!v) return v.error();
    *slot = *v;
  }
  if (auto const* p = body.if_contains("is_public"); p && !p->is_null()) {
    if (!p->is_bool()) return invalid_field("is_public", "is_public must be true or false");
    patch.visibility = p->as_bool() ? auth::Visibility::public_ : auth::Visibility::private_;
  }
  auto vis = optional_string(body, "visibility");
  if (!vis) return vis.error();
  if (*vis) {
    patch.visibility = datasets::parse_visibility(**vis);
    if (!patch.visibility) return invalid_field("visibility", "Visibility must be private or public");
  }
  // The viewer's default live display (ADR 0024): {stretch, lo, hi, cmap}, or null to forget it.
  if (auto const* d = body.if_contains("display")) {
    if (d->is_null()) {
      patch.display = std::string();
    } else {
      auto display = display_settings(*d);
      if (!display) return display.error();
      patch.display = boost::json::serialize(*display);
    }
  }
  return patch;
}

Result<boost::json::object> display_settings(boost::json::value const& v) {
  auto bad = [] {
    return invalid_field("display", "display must be {stretch, lo, hi, cmap} with finite lo < hi");
  };
  if (!v.is_object()) return bad();
  auto const& o = v.as_object();
  auto const* stretch = o.if_contains("stretch");
  auto const* lo = o.if_contains("lo");
  auto const* hi = o.if_contains("hi");
  auto const* cmap = o.if_contains("cmap");
  if (!stretch || !stretch->is_string() || !lo || !lo->is_number() || !hi || !hi->is_number() ||
      (cmap && !cmap->is_string()))
    return bad();
  for (auto const& [key, value] : o) {
    if (key != "stretch" && key != "lo" && key != "hi" && key != "cmap") return bad();
  }
  auto in_display = [](Error e) {
    e.field = "display";
    return e;
  };
  auto kind = pyramid::parse_stretch(std::string_view(stretch->as_string()));
  if (!kind) return in_display(kind.error());
  auto colormap = pyramid::parse_colormap(cmap ? std::string_view(cmap->as_string()) : "grey");
  if (!colormap) return in_display(colormap.error());
  double const l = lo->to_number<double>(), h = hi->to_number<double>();
  if (!std::isfinite(l) || !std::isfinite(h) || !(l < h) || !std::isfinite(h - l)) {
    Error e = make_error(errc::invalid_cuts, "lo must be below hi");
    e.field = "display";
    return e;
  }
  return boost::json::object{
      {"stretch", pyramid::to_string(*kind)}, {"lo", l}, {"hi", h}, {"cmap", colormap->name()}};
}

Result<datasets::RequestChange> reprocess_change(boost::json::object const& body) {
  datasets::RequestChange change;
  auto kind = optional_string(body, "stretch");
  if (!kind) return kind.error();
  change.kind = *kind;
  if (auto const* c = body.if_contains("cuts"); c && !c->is_null()) {
    if (!c->is_array() || c->as_array().size() != 2 || !c->as_array()[0].is_number() ||
        !c->as_array()[1].is_number())
      return invalid_field("cuts", "cuts must be [low, high]");
    change.cuts = std::pair(c->as_array()[0].to_number<double>(), c->as_array()[1].to_number<double>());
  }
  // FITS: another HDU or plane of the same file.
  for (auto [key, into, max] : {std::tuple("hdu", &change.hdu, datasets::kMaxHdu),
                                std::tuple("plane", &change.plane, datasets::kMaxPlane)}) {
    auto const* v = body.if_contains(key);
    if (!v || v->is_null()) continue;
    if (!v->is_int64() || v->as_int64() < 0 || v->as_int64() > max)
      return invalid_field(key, fmt::format("{} must be a whole number from 0 to {}", key, max));
    *into = static_cast<int>(v->as_int64());
  }
  return change;
}

namespace {

using datasets::DatasetService;

Result<Answer> list_datasets(Call& call, DatasetService& ds) {
  auto q = list_query(call.request, call.who);
  if (!q) return q.error();
  auto page = ds.list(call.who, *q);
  if (!page) return page.error();
  boost::json::array items;
  for (auto const& d : page->items) items.push_back(dataset_json(d, call.who));
  return Answer::ok(
      {{"items", std::move(items)}, {"total", page->total}, {"limit", q->limit}, {"offset", q->offset}});
}

Result<Answer> get_dataset(Call& call, DatasetService& ds) {
  auto d = ds.get(call.who, std::string(call.param("id")));
  if (!d) return d.error();
  return Answer::ok(dataset_json(*d, call.who));
}

Result<Answer> dataset_status(Call& call, DatasetService& ds) {
  auto d = ds.get(call.who, std::string(call.param("id")));
  if (!d) return d.error();
  auto text_or_null = [](std::string const& s) {
    return s.empty() ? boost::json::value(nullptr) : boost::json::value(s);
  };
  return Answer::ok({{"id", d->id},
                     {"status", datasets::to_string(d->status)},
                     {"progress", d->progress},
                     {"failure_code", text_or_null(d->failure_code)},
                     {"failure_reason", text_or_null(d->failure_reason)},
                     {"pyramid_version", d->pyramid_version},
                     {"building", building_json(*d)}});
}

Result<Answer> update_dataset(Call& call, DatasetService& ds, Changed const& changed) {
  auto patch = details_patch(call.body);
  if (!patch) return patch.error();
  std::string id(call.param("id"));
  auto d = ds.update(call.who, id, *patch);
  if (!d) return d.error();
  changed(id);
  return Answer::ok(dataset_json(*d, call.who));
}

Result<Answer> delete_dataset(Call& call, DatasetService& ds, Changed const& changed) {
  std::string id(call.param("id"));
  if (auto s = ds.remove(call.who, id); !s) return s.error();
  changed(id);
  return Answer::no_content();
}

Result<Answer> reprocess_dataset(Call& call, DatasetService& ds, Changed const& changed,
                                 DatasetLimits const& limits) {
  // Each reprocess is a whole pyramid build: counted per user (every instance shares the count
  // through Redis when REDIS_URL is set), before anything else, so refused requests count too.
  if (limits.limiter && call.who) {
    auto const decision = limits.limiter->check(limits.reprocess, call.who->user_id);
    if (!decision.allowed) {
      Error e = make_error(ErrorCode::rate_limited, "Too many reprocess requests",
                           fmt::format("Each user may reprocess {} times per {} s", limits.reprocess.limit,
                                       limits.reprocess.window.count()));
      e.retry_after_s = static_cast<int>(std::max(1u, decision.retry_after));
      return e;
    }
  }
  auto change = reprocess_change(call.body);
  if (!change) return change.error();
  std::string id(call.param("id"));
  auto d = ds.reprocess(call.who, id, *change);
  if (!d) return d.error();
  changed(id);
  return Answer::accepted(dataset_json(*d, call.who));
}

Result<Answer> dataset_stats(Call& call, DatasetService& ds) {
  auto s = ds.stats(call.who);
  if (!s) return s.error();
  auto counts = [](auto const& v) {
    boost::json::object o;
    for (auto const& [k, n] : v) o[k] = n;
    return o;
  };
  return Answer::ok({{"datasets", s->datasets},
                     {"total_bytes", s->total_bytes},
                     {"total_pixels", s->total_pixels},
                     {"by_category", counts(s->by_category)},
                     {"by_status", counts(s->by_status)},
                     {"by_format", counts(s->by_format)}});
}

}  // namespace

void add_dataset_routes(http::Router& router, Authenticator& authn, DatasetService& datasets, Changed changed,
                        DatasetLimits limits) {
  using bhttp::verb;
  auto* ds = &datasets;
  auto on_change = std::make_shared<Changed>(std::move(changed));
  auto with = [ds](auto f) { return [ds, f](Call& c) { return f(c, *ds); }; };
  auto with_change = [ds, on_change](auto f) {
    return [ds, on_change, f](Call& c) { return f(c, *ds, *on_change); };
  };
  std::string const tag = "datasets";
  add_endpoint(
      router, authn,
      {.pattern = "/api/datasets",
       .handler = with(list_datasets),
       .doc = {.summary = "List the caller's own and public datasets",
               .tag = tag,
               .description = "Guests see public datasets. q matches name, description and a FITS OBJECT",
               .query = {{.name = "category", .schema = R"({"enum":["earth","mars","space","other"]})"},
                         {.name = "status", .schema = R"({"$ref":"#/components/schemas/DatasetStatusName"})"},
                         {.name = "visibility", .schema = R"({"enum":["private","public"]})"},
                         {.name = "mine",
                          .schema = R"({"enum":["true","false","1","0"]})",
                          .description = "Only the caller's own (401 for guests)"},
                         {.name = "q", .description = "Text to look for (case-insensitive)"},
                         {.name = "sort",
                          .schema =
                              R"({"enum":["name","-name","date","-date","size","-size"],"default":"-date"})"},
                         {.name = "limit",
                          .schema = R"({"type":"integer","minimum":1,"maximum":200,"default":50})"},
                         {.name = "offset", .schema = R"({"type":"integer","minimum":0,"default":0})"}},
               .answers = {json_answer("DatasetPage")},
               .errors = {400, 401}}});
  add_endpoint(router, authn,
               {.pattern = "/api/datasets/{id}",
                .handler = with(get_dataset),
                .doc = {.summary = "One dataset",
                        .tag = tag,
                        .description = "404 when absent or not visible to the caller",
                        .answers = {json_answer("Dataset")},
                        .errors = {404}}});
  add_endpoint(router, authn,
               {.pattern = "/api/datasets/{id}/status",
                .handler = with(dataset_status),
                .doc = {.summary = "A dataset's build status and progress",
                        .tag = tag,
                        .answers = {json_answer("DatasetStatus")},
                        .errors = {404}}});
  for (auto method : {verb::put, verb::patch}) {
    add_endpoint(router, authn,
                 {.method = method,
                  .pattern = "/api/datasets/{id}",
                  .access = Access::user,
                  .body = Body::json,
                  .handler = with_change(update_dataset),
                  .doc = {.summary = "Change a dataset's name, description, category or visibility",
                          .tag = tag,
                          .description = "The owner (or an admin); 403 when visible but not yours",
                          .body = json_body("DatasetChange"),
                          .answers = {json_answer("Dataset")},
                          .errors = {404}}});
  }
  add_endpoint(router, authn,
               {.method = verb::delete_,
                .pattern = "/api/datasets/{id}",
                .access = Access::user,
                .handler = with_change(delete_dataset),
                .doc = {.summary = "Delete a dataset, its source and every pyramid version",
                        .tag = tag,
                        .answers = {empty_answer("Deleted")},
                        .errors = {404}}});
  add_endpoint(
      router, authn,
      {.method = verb::post,
       .pattern = "/api/datasets/{id}/reprocess",
       .access = Access::user,
       .body = Body::optional_json,
       .handler = [ds, on_change, limits](Call& c) { return reprocess_dataset(c, *ds, *on_change, limits); },
       .doc = {.summary = "Build a new pyramid version (stretch, cuts, FITS HDU and plane)",
               .tag = tag,
               .description = "The current version keeps serving while the new one builds. Limited "
                              "per user (REPROCESS_RATE_LIMIT): 429 rate_limited past it",
               .body = json_body("Reprocess"),
               .answers = {json_answer("Dataset", 202)},
               .errors = {404, 429}}});
  add_endpoint(router, authn,
               {.pattern = "/api/stats",
                .handler = with(dataset_stats),
                .doc = {.summary = "Counts over the datasets the caller can see",
                        .tag = tag,
                        .answers = {json_answer("DatasetStats")}}});
}

}  // namespace astropixel::api
