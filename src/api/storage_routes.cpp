#include "api/storage_routes.hpp"

#include "api/endpoint.hpp"

namespace astropixel::api {
namespace {

Result<Answer> usage_answer(datasets::StorageQuota& quota, std::string const& user_id) {
  auto u = quota.usage(user_id);
  if (!u) return u.error();
  return Answer::ok({{"used_bytes", u->used},
                     {"quota_bytes", u->quota},  // 0 = unlimited
                     {"custom", u->custom}});
}

}  // namespace

Result<std::optional<std::uint64_t>> quota_change(boost::json::object const& body) {
  auto const* v = body.if_contains("quota_bytes");
  if (!v)
    return invalid_field("quota_bytes", "quota_bytes is required (a byte count, 0 = unlimited, or null)");
  if (v->is_null()) return std::optional<std::uint64_t>{};
  // Up to 2^60 like USER_STORAGE_QUOTA_BYTES; it is stored in a signed 64-bit column.
  if (v->is_int64() && v->as_int64() >= 0 && v->as_int64() <= (std::int64_t{1} << 60))
    return std::optional<std::uint64_t>{static_cast<std::uint64_t>(v->as_int64())};
  if (v->is_uint64() && v->as_uint64() <= (std::uint64_t{1} << 60))
    return std::optional<std::uint64_t>{v->as_uint64()};
  return invalid_field("quota_bytes", "quota_bytes must be a whole number of bytes from 0 to 2^60, or null");
}

void add_storage_routes(http::Router& router, Authenticator& authn, datasets::StorageQuota& quota) {
  using boost::beast::http::verb;
  auto* q = &quota;
  add_endpoint(router, authn,
               {.pattern = "/api/storage",
                .access = Access::user,
                .handler = [q](Call& c) { return usage_answer(*q, c.who->user_id); },
                .doc = {.summary = "The caller's storage use and quota",
                        .tag = "uploads",
                        .answers = {json_answer("StorageUsage")}}});
  add_endpoint(router, authn,
               {.pattern = "/api/admin/users/{id}/storage",
                .access = Access::admin,
                .handler = [q](Call& c) { return usage_answer(*q, std::string(c.param("id"))); },
                .doc = {.summary = "A user's storage use and quota",
                        .tag = "admin",
                        .answers = {json_answer("StorageUsage")},
                        .errors = {404}}});
  add_endpoint(router, authn,
               {.method = verb::put,
                .pattern = "/api/admin/users/{id}/storage",
                .access = Access::admin,
                .body = Body::json,
                .max_body = 4096,
                .handler = [q](Call& c) -> Result<Answer> {
                  auto change = quota_change(c.body);
                  if (!change) return change.error();
                  std::string id(c.param("id"));
                  if (auto s = q->set(id, *change); !s) return s.error();
                  return usage_answer(*q, id);
                },
                .doc = {.summary = "Set a user's storage quota",
                        .tag = "admin",
                        .description = "Bytes, 0 = unlimited, or null for USER_STORAGE_QUOTA_BYTES. Lowering "
                                       "a quota deletes nothing",
                        .body = json_body("QuotaChange"),
                        .answers = {json_answer("StorageUsage")},
                        .errors = {404}}});
}

}  // namespace astropixel::api
