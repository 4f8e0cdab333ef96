#include "api/admin_routes.hpp"

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
  add_endpoint(router, authn,
               {.pattern = "/api/admin/stats", .access = admins, .handler = with(system_stats)});
  add_endpoint(router, authn,
               {.pattern = "/api/admin/datasets", .access = admins, .handler = with(all_datasets)});
  add_endpoint(router, authn,
               {.method = verb::delete_,
                .pattern = "/api/admin/datasets/{id}",
                .access = admins,
                .handler = [ds, changed](Call& c) { return delete_any_dataset(c, *ds, changed); }});
  add_endpoint(router, authn,
               {.pattern = "/api/admin/activity", .access = admins, .handler = with(activity)});
  add_endpoint(router, authn,
               {.method = verb::delete_,
                .pattern = "/api/admin/users/{id}",
                .access = admins,
                .handler = with(delete_user)});
  add_endpoint(router, authn, {.pattern = "/api/admin/users", .access = admins, .handler = with(list_users)});
  add_endpoint(router, authn,
               {.method = verb::patch,
                .pattern = "/api/admin/users/{id}",
                .access = admins,
                .body = Body::json,
                .max_body = 4096,
                .handler = with(change_user)});
}

}  // namespace astropixel::api
