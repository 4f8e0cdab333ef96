#include "api/admin_routes.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "api/auth_routes.hpp"
#include "api/dataset_routes.hpp"
#include "api/json_body.hpp"
#include "jobs/job_queue.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
using Reply = http::asio::awaitable<Result<http::Response>>;

namespace {

int int_param(http::Request const& req, std::string_view name, int fallback, int lo, int hi) {
  auto v = req.query_param(name);
  int out = fallback;
  if (v) std::from_chars(v->data(), v->data() + v->size(), out);
  return std::clamp(out, lo, hi);
}

// Identifies the caller and insists on the admin role.
http::asio::awaitable<Result<auth::Principal>> admin(Authenticator& authn, http::Request& req) {
  auto who = co_await authn.identify(req);
  if (!who) co_return who.error();
  std::optional<auth::Principal> principal;
  if (*who) principal = (*who)->principal;
  if (auto s = auth::require_admin(principal); !s) co_return s.error();
  co_return *principal;
}

}  // namespace

void add_admin_routes(http::Router& router, Authenticator& authn, auth::UserRepository& users,
                      datasets::DatasetService& datasets) {
  auto* a = &authn;
  auto* repo = &users;
  auto* ds = &datasets;

  router.add(bhttp::verb::get, "/api/admin/stats",
             [a, repo, ds](http::Request& req) -> Reply {
               auto who = co_await admin(*a, req);
               if (!who) co_return who.error();
               auto job = [repo, ds]() -> Result<boost::json::object> {
                 auto user_count = repo->count();
                 if (!user_count) return user_count.error();
                 auto conn = ds->pool().acquire();
                 if (!conn) return conn.error();
                 datasets::ListQuery all;
                 all.everything = true;
                 auto st = datasets::store::stats(**conn, all);
                 if (!st) return st.error();
                 auto jobs = jobs::JobQueue::counts(**conn);
                 if (!jobs) return jobs.error();
                 auto counts = [](auto const& v) {
                   boost::json::object o;
                   for (auto const& [k, n] : v) o[k] = n;
                   return o;
                 };
                 return boost::json::object{
                     {"users", *user_count},
                     {"datasets", st->datasets},
                     {"storage_bytes", st->total_bytes},
                     {"total_pixels", st->total_pixels},
                     {"average_bytes", st->datasets ? st->total_bytes / st->datasets : 0},
                     {"by_status", counts(st->by_status)},
                     {"by_category", counts(st->by_category)},
                     {"by_format", counts(st->by_format)},
                     {"jobs",
                      {{"queued", jobs->queued},
                       {"running", jobs->running},
                       {"succeeded", jobs->succeeded},
                       {"failed", jobs->failed},
                       {"cancelled", jobs->cancelled}}}};
               };
               auto body = co_await a->blocking().run(job);
               if (!body) co_return body.error();
               auto res = http::json_response(*body);
               res.headers.set(bhttp::field::cache_control, "no-store");
               co_return res;
             },
             {.max_body = 0, .rate_policy = "default"});

  router.add(
      bhttp::verb::get, "/api/admin/datasets",
      [a, ds](http::Request& req) -> Reply {
        auto who = co_await admin(*a, req);
        if (!who) co_return who.error();
        datasets::ListQuery q;
        q.everything = true;
        q.text = req.query_param("q").value_or("").substr(0, 200);
        if (auto st = req.query_param("status"); st && !st->empty()) q.status = datasets::parse_status(*st);
        if (auto o = req.query_param("owner"); o && !o->empty()) q.owner_id = *o;
        q.limit = int_param(req, "limit", 50, 1, 200);
        q.offset = int_param(req, "offset", 0, 0, 10'000'000);
        auto job = [ds, &q]() -> Result<datasets::Page> {
          auto conn = ds->pool().acquire();
          if (!conn) return conn.error();
          return datasets::store::list(**conn, q);
        };
        auto page = co_await a->blocking().run(job);
        if (!page) co_return page.error();
        boost::json::array items;
        std::optional<auth::Principal> viewer = *who;
        for (auto const& d : page->items) items.push_back(dataset_json(d, viewer));
        auto res = http::json_response(
            {{"items", std::move(items)}, {"total", page->total}, {"limit", q.limit}, {"offset", q.offset}});
        res.headers.set(bhttp::field::cache_control, "no-store");
        co_return res;
      },
      {.max_body = 0, .rate_policy = "default"});

  router.add(bhttp::verb::delete_, "/api/admin/datasets/{id}",
             [a, ds](http::Request& req) -> Reply {
               auto who = co_await admin(*a, req);
               if (!who) co_return who.error();
               std::optional<auth::Principal> principal = *who;
               std::string id(req.param("id"));
               auto job = [ds, &principal, &id] { return ds->remove(principal, id); };
               if (auto s = co_await a->blocking().run(job); !s) co_return s.error();
               http::Response r;
               r.status = bhttp::status::no_content;
               co_return r;
             },
             {.max_body = 0, .rate_policy = "default"});

  router.add(
      bhttp::verb::get, "/api/admin/activity",
      [a, ds](http::Request& req) -> Reply {
        auto who = co_await admin(*a, req);
        if (!who) co_return who.error();
        int limit = int_param(req, "limit", 50, 1, 200);
        auto job = [ds, limit]() -> Result<std::vector<datasets::store::Activity>> {
          auto conn = ds->pool().acquire();
          if (!conn) return conn.error();
          return datasets::store::recent_activity(**conn, limit);
        };
        auto items = co_await a->blocking().run(job);
        if (!items) co_return items.error();
        boost::json::array out;
        for (auto const& x : *items)
          out.push_back({{"kind", x.kind}, {"id", x.id}, {"name", x.name}, {"actor", x.actor}, {"at", x.at}});
        auto res = http::json_response({{"items", std::move(out)}});
        res.headers.set(bhttp::field::cache_control, "no-store");
        co_return res;
      },
      {.max_body = 0, .rate_policy = "default"});

  router.add(bhttp::verb::delete_, "/api/admin/users/{id}",
             [a, ds](http::Request& req) -> Reply {
               auto who = co_await admin(*a, req);
               if (!who) co_return who.error();
               auto principal = *who;
               std::string id(req.param("id"));
               // Their datasets first (with sources and pyramids), then the account; a failure half-way
               // leaves the account, so the admin can simply try again.
               auto job = [a, ds, &principal, &id]() -> Status {
                 if (principal.user_id == id) {
                   Error e = make_error(ErrorCode::conflict, "You cannot delete your own account here");
                   e.reason = "cannot_modify_self";
                   return e;
                 }
                 std::optional<auth::Principal> viewer = principal;
                 while (true) {
                   datasets::ListQuery q;
                   q.everything = true;
                   q.owner_id = id;
                   q.limit = 100;
                   datasets::Page page;
                   {
                     // Returned before deleting: each delete takes a connection of its own.
                     auto conn = ds->pool().acquire();
                     if (!conn) return conn.error();
                     auto listed = datasets::store::list(**conn, q);
                     if (!listed) return listed.error();
                     page = std::move(*listed);
                   }
                   if (page.items.empty()) break;
                   for (auto const& d : page.items) {
                     if (auto s = ds->remove(viewer, d.id); !s && s.error().code != ErrorCode::not_found)
                       return s;
                   }
                 }
                 return a->service().delete_user(principal, id);
               };
               if (auto s = co_await a->blocking().run(job); !s) co_return s.error();
               http::Response r;
               r.status = bhttp::status::no_content;
               co_return r;
             },
             {.max_body = 0, .rate_policy = "default"});

  router.add(
      bhttp::verb::get, "/api/admin/users",
      [a, repo](http::Request& req) -> Reply {
        auto who = co_await admin(*a, req);
        if (!who) co_return who.error();
        std::string q = req.query_param("q").value_or("").substr(0, 200);
        int limit = int_param(req, "limit", 50, 1, 200), offset = int_param(req, "offset", 0, 0, 1'000'000);
        auto job = [repo, &q, limit, offset] { return repo->list(q, limit, offset); };
        auto page = co_await a->blocking().run(job);
        if (!page) co_return page.error();
        boost::json::array items;
        for (auto const& u : page->users) items.push_back(user_json(u));
        auto res = http::json_response(
            {{"items", std::move(items)}, {"total", page->total}, {"limit", limit}, {"offset", offset}});
        res.headers.set(bhttp::field::cache_control, "no-store");
        co_return res;
      },
      {.max_body = 0, .rate_policy = "default"});

  router.add(bhttp::verb::patch, "/api/admin/users/{id}",
             [a](http::Request& req) -> Reply {
               auto who = co_await admin(*a, req);
               if (!who) co_return who.error();
               auto body = co_await read_json_object(req);
               if (!body) co_return body.error();
               std::string id(req.param("id"));
               auto role = optional_string(*body, "role");
               if (!role) co_return role.error();
               std::optional<bool> disabled;
               if (auto const* d = body->if_contains("disabled"); d && !d->is_null()) {
                 if (!d->is_bool()) {
                   Error e = make_error(ErrorCode::validation, "disabled must be true or false");
                   e.field = "disabled";
                   co_return e;
                 }
                 disabled = d->as_bool();
               }
               std::optional<auth::Role> new_role;
               if (*role) {
                 new_role = auth::parse_role(**role);
                 if (!new_role) {
                   Error e = make_error(ErrorCode::validation, "role must be user or admin");
                   e.field = "role";
                   co_return e;
                 }
               }
               auto principal = *who;
               auto job = [a, &principal, &id, new_role, disabled]() -> Result<auth::User> {
                 Result<auth::User> out =
                     make_error(ErrorCode::validation, "Nothing to change", "Send role and/or disabled");
                 if (new_role) {
                   out = a->service().set_role(principal, id, *new_role);
                   if (!out) return out;
                 }
                 if (disabled) out = a->service().set_disabled(principal, id, *disabled);
                 return out;
               };
               auto user = co_await a->blocking().run(job);
               if (!user) co_return user.error();
               co_return http::json_response(user_json(*user));
             },
             {.max_body = 4096, .rate_policy = "default"});
}

}  // namespace astropixel::api
