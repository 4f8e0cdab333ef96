#include "api/admin_routes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "api/auth_routes.hpp"
#include "api/dataset_routes.hpp"
#include "api/endpoint.hpp"
#include "api/json_body.hpp"

namespace astropixel::api {

namespace {

using datasets::AdminService;

int int_param(Call const& call, std::string_view name, int fallback, int lo, int hi) {
  auto v = call.query(name);
  int out = fallback;
  if (v) std::from_chars(v->data(), v->data() + v->size(), out);
  return std::clamp(out, lo, hi);
}

template <class Pairs>
boost::json::object counts(Pairs const& v) {
  boost::json::object o;
  for (auto const& [k, n] : v) o[k] = n;
  return o;
}

Result<Answer> system_stats(Call&, AdminService& admin) {
  auto s = admin.stats();
  if (!s) return s.error();
  auto const& d = s->datasets;
  return Answer::ok({{"users", s->users},
                     {"datasets", d.datasets},
                     {"storage_bytes", d.total_bytes},
                     {"total_pixels", d.total_pixels},
                     {"average_bytes", d.datasets ? d.total_bytes / d.datasets : 0},
                     {"by_status", counts(d.by_status)},
                     {"by_category", counts(d.by_category)},
                     {"by_format", counts(d.by_format)},
                     {"jobs",
                      {{"queued", s->jobs.queued},
                       {"running", s->jobs.running},
                       {"succeeded", s->jobs.succeeded},
                       {"failed", s->jobs.failed},
                       {"cancelled", s->jobs.cancelled}}}});
}

Result<Answer> all_datasets(Call& call, AdminService& admin) {
  datasets::ListQuery q;
  q.text = call.query("q").value_or("").substr(0, 200);
  if (auto st = call.query("status"); st && !st->empty()) q.status = datasets::parse_status(*st);
  if (auto o = call.query("owner"); o && !o->empty()) q.owner_id = *o;
  q.limit = int_param(call, "limit", 50, 1, 200);
  q.offset = int_param(call, "offset", 0, 0, 10'000'000);
  auto page = admin.datasets(q);
  if (!page) return page.error();
  boost::json::array items;
  for (auto const& d : page->items) items.push_back(dataset_json(d, call.who));
  return Answer::ok(
      {{"items", std::move(items)}, {"total", page->total}, {"limit", q.limit}, {"offset", q.offset}});
}

Result<Answer> delete_any_dataset(Call& call, datasets::DatasetService& ds, Changed const& changed) {
  std::string id(call.param("id"));
  if (auto s = ds.remove(call.who, id); !s) return s.error();
  changed(id);
  return Answer::no_content();
}

Result<Answer> activity(Call& call, AdminService& admin) {
  auto items = admin.activity(int_param(call, "limit", 50, 1, 200));
  if (!items) return items.error();
  boost::json::array out;
  for (auto const& x : *items)
    out.push_back({{"kind", x.kind}, {"id", x.id}, {"name", x.name}, {"actor", x.actor}, {"at", x.at}});
  return Answer::ok({{"items", std::move(out)}});
}

Result<Answer> delete_user(Call& call, AdminService& admin) {
  if (auto s = admin.delete_user(*call.who, std::string(call.param("id"))); !s) return s.error();
  return Answer::no_content();
}

Result<Answer> list_users(Call& call, datasets::AdminService& admin) {
  std::string q = call.query("q").value_or("").substr(0, 200);
  int limit = int_param(call, "limit", 50, 1, 200), offset = int_param(call, "offset", 0, 0, 1'000'000);
  auto page = admin.users(q, limit, offset);
  if (!page) return page.error();
  boost::json::array items;
  for (auto const& u : page->users) items.push_back(user_json(u));
  return Answer::ok(
      {{"items", std::move(items)}, {"total", page->total}, {"limit", limit}, {"offset", offset}});
}

Result<Answer> change_user(Call& call, datasets::AdminService& admin) {
  auto change = user_change(call.body);
  if (!change) return change.error();
  auto out = admin.change_user(*call.who, std::string(call.param("id")), change->role, change->disabled);
  if (!out) return out.error();
  return Answer::ok(user_json(*out));
}

}  // namespace

Result<UserChange> user_change(boost::json::object const& body) {
  UserChange change;
  auto role = optional_string(body, "role");
  if (!role) return role.error();
  if (*role) {
    change.role = auth::parse_role(**role);
    if (!change.role) return invalid_field("role", "role must be user or admin");
  }
  if (auto const* d = body.if_contains("disabled"); d && !d->is_null()) {
    if (!d->is_bool()) return invalid_field("disabled", "disabled must be true or false");
    change.disabled = d->as_bool();
  }
  return change;
}

void add_admin_routes(http::Router& router, Authenticator& authn, datasets::AdminService& admin,
                      datasets::DatasetService& datasets, Changed changed) {
  using boost::beast::http::verb;
  auto* a = &admin;
  auto* ds = &datasets;
  auto with = [a](auto f) { return [a, f](Call& c) { return f(c, *a); }; };
  auto const admins = Access::admin;
  using Param = http::RouteDoc::Param;
  auto const integer = [](int lo, int hi, int fallback) {
    return fmt::format(R"({{"type":"integer","minimum":{},"maximum":{},"default":{}}})", lo, hi, fallback);
  };
  Param const q{.name = "q", .description = "Text to look for"};
  Param const limit{.name = "limit", .schema = integer(1, 200, 50)};
  Param const offset{.name = "offset", .schema = integer(0, 10'000'000, 0)};
  add_endpoint(router, authn,
               {.pattern = "/api/admin/stats",
                .access = admins,
                .handler = with(system_stats),
                .doc = {.summary = "Counts over the whole installation",
                        .tag = "admin",
                        .answers = {json_answer("AdminStats")}}});
  add_endpoint(
      router, authn,
      {.pattern = "/api/admin/datasets",
       .access = admins,
       .handler = with(all_datasets),
       .doc = {.summary = "Every dataset, private ones included",
               .tag = "admin",
               .query = {q,
                         {.name = "status", .schema = R"({"$ref":"#/components/schemas/DatasetStatusName"})"},
                         {.name = "owner", .description = "An owner's user id"},
                         limit,
                         offset},
               .answers = {json_answer("DatasetPage")}}});
  add_endpoint(router, authn,
               {.method = verb::delete_,
                .pattern = "/api/admin/datasets/{id}",
                .access = admins,
                .handler = [ds, changed](Call& c) { return delete_any_dataset(c, *ds, changed); },
                .doc = {.summary = "Delete any dataset (demo datasets too)",
                        .tag = "admin",
                        .answers = {empty_answer("Deleted")},
                        .errors = {404}}});
  add_endpoint(router, authn,
               {.pattern = "/api/admin/activity",
                .access = admins,
                .handler = with(activity),
                .doc = {.summary = "Latest dataset creations and sign-ups",
                        .tag = "admin",
                        .query = {limit},
                        .answers = {json_answer("Activity")}}});
  add_endpoint(router, authn,
               {.method = verb::delete_,
                .pattern = "/api/admin/users/{id}",
                .access = admins,
                .handler = with(delete_user),
                .doc = {.summary = "Delete a user and their datasets",
                        .tag = "admin",
                        .answers = {empty_answer("Deleted")},
                        .errors = {404, 409}}});
  add_endpoint(router, authn,
               {.pattern = "/api/admin/users",
                .access = admins,
                .handler = with(list_users),
                .doc = {.summary = "Search users by email, username or name",
                        .tag = "admin",
                        .query = {q, limit, {.name = "offset", .schema = integer(0, 1'000'000, 0)}},
                        .answers = {json_answer("UserPage")}}});
  add_endpoint(router, authn,
               {.method = verb::patch,
                .pattern = "/api/admin/users/{id}",
                .access = admins,
                .body = Body::json,
                .max_body = 4096,
                .handler = with(change_user),
                .doc = {.summary = "Change a user's role or disable them",
                        .tag = "admin",
                        .description =
                            "Disabling ends the user's sessions; 409 cannot_modify_self for your own account",
                        .body = json_body("UserChange"),
                        .answers = {json_answer("User")},
                        .errors = {404, 409}}});
}

}  // namespace astropixel::api
