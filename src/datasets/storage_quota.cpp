#include "datasets/storage_quota.hpp"

#include "core/error_catalogue.hpp"

namespace astropixel::datasets {
namespace {

Result<StorageUsage> usage_on(db::Connection& c, std::string const& user_id, std::uint64_t default_bytes) {
  // Sources count from the moment their dataset exists (also while it is built or failed: the
  // bytes are stored either way); an open upload counts its whole declared length, since that is
  // what it may still write. CAST: PostgreSQL's SUM of BIGINT is NUMERIC.
  auto r = c.query(
      "SELECT CAST((SELECT COALESCE(SUM(file_size), 0) FROM datasets WHERE owner_id = $1) + "
      "(SELECT COALESCE(SUM(length), 0) FROM uploads WHERE owner_id = $1 AND state = 'open') AS BIGINT), "
      "(SELECT storage_quota_bytes FROM users WHERE id = $1), (SELECT COUNT(*) FROM users WHERE id = $1)",
      {user_id});
  if (!r) return r.error();
  if (r->int64(0, 2) == 0) return make_error(ErrorCode::not_found, "User not found");
  StorageUsage u;
  u.used = static_cast<std::uint64_t>(r->int64(0, 0));
  u.custom = !r->is_null(0, 1);
  u.quota = u.custom ? static_cast<std::uint64_t>(r->int64(0, 1)) : default_bytes;
  return u;
}

}  // namespace

Result<StorageUsage> StorageQuota::usage(std::string const& user_id) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  return usage_on(**conn, user_id, default_bytes_);
}

Status StorageQuota::admit(std::string const& user_id, std::uint64_t bytes) {
  auto u = usage(user_id);
  if (!u) return u.error();
  // Checked without a lock: two uploads created at the same instant can both pass. Each is still
  // bounded by MAX_UPLOAD_SIZE, and the next creation sees both.
  if (u->quota == 0 || (u->used <= u->quota && bytes <= u->quota - u->used)) return {};
  // 403, not 507: see ADR 0019 (a 5xx body is masked as "server out of space", and tus clients
  // retry 5xx answers, while a quota does not clear by retrying).
  return make_error(errc::quota_exceeded, "Storage quota exceeded",
                    "this upload needs " + std::to_string(bytes) + " bytes; you store " +
                        std::to_string(u->used) + " of your " + std::to_string(u->quota) +
                        " bytes (delete datasets to make room)");
}

Status StorageQuota::set(std::string const& user_id, std::optional<std::uint64_t> bytes) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  db::Value v = bytes ? db::Value{static_cast<std::int64_t>(*bytes)} : db::Value{};
  auto r = (*conn)->query("UPDATE users SET storage_quota_bytes = $1 WHERE id = $2", {v, user_id});
  if (!r) return r.error();
  if (r->affected == 0) return make_error(ErrorCode::not_found, "User not found");
  return {};
}

}  // namespace astropixel::datasets
