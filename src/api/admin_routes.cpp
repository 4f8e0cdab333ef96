#include "api/admin_routes.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "api/auth_routes.hpp"
#include "api/json_body.hpp"

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

void add_admin_routes(http::Router& router, Authenticator& authn, auth::UserRepository& users) {
  auto* a = &authn;
  auto* repo = &users;

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
