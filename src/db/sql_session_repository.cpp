#include "db/sql_session_repository.hpp"

#include "core/clock.hpp"
#include "core/error_catalogue.hpp"
#include "core/ids.hpp"

namespace astropixel::db {
namespace {

Error refresh_error(ErrorSpec const& reason) {
  Error e = make_error(ErrorCode::unauthorized, "Invalid refresh token", "Sign in again");
  e.reason = std::string(reason.code);
  return e;
}

}  // namespace

Result<auth::Session> SqlSessionRepository::create(std::string_view user_id, std::string_view refresh_digest,
                                                   std::int64_t expires_at, std::string_view user_agent,
                                                   std::string_view ip) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto tx = Transaction::begin(**conn, true);
  if (!tx) return tx.error();
  auth::Session s{random_id(), std::string(user_id), now_unix_ms(), expires_at};
  if (auto r = (*conn)->query(
          "INSERT INTO sessions (id, user_id, created_at, expires_at, user_agent, ip) VALUES ($1, $2, $3, "
          "$4, $5, $6)",
          {s.id, s.user_id, s.created_at, s.expires_at, std::string(user_agent), std::string(ip)});
      !r) {
    return r.error();
  }
  if (auto r = (*conn)->query(
          "INSERT INTO refresh_tokens (digest, session_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
          {std::string(refresh_digest), s.id, s.created_at, s.expires_at});
      !r) {
    return r.error();
  }
  if (auto c = tx->commit(); !c) return c.error();
  return s;
}

Result<auth::Session> SqlSessionRepository::rotate(std::string_view refresh_digest,
                                                   std::string_view next_digest, std::int64_t next_expires_at,
                                                   std::int64_t now) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto& c = **conn;
  auto tx = Transaction::begin(c, true);
  if (!tx) return tx.error();
  // FOR UPDATE on PostgreSQL serialises two refreshes of the same token; SQLite's BEGIN IMMEDIATE
  // already holds the write lock.
  std::string lock = c.dialect() == Dialect::postgres ? " FOR UPDATE OF t" : "";
  auto found = c.query(
      "SELECT t.session_id, t.expires_at, t.used_at, s.user_id, s.revoked_at, s.created_at FROM "
      "refresh_tokens t "
      "JOIN sessions s ON s.id = t.session_id WHERE t.digest = $1" +
          lock,
      {std::string(refresh_digest)});
  if (!found) return found.error();
  if (found->empty()) return refresh_error(errc::invalid_refresh_token);
  auth::Session s{found->text(0, 0), found->text(0, 3), found->int64(0, 5), next_expires_at};
  if (!found->is_null(0, 4)) return refresh_error(errc::invalid_refresh_token);
  if (!found->is_null(0, 2)) {
    // A token that was already exchanged came back: someone holds a copy. End the whole family.
    if (auto r = c.query("UPDATE sessions SET revoked_at = $2 WHERE id = $1", {s.id, now}); !r)
      return r.error();
    if (auto r = tx->commit(); !r) return r.error();
    return refresh_error(errc::refresh_token_reused);
  }
  if (found->int64(0, 1) < now) return refresh_error(errc::invalid_refresh_token);
  if (auto r = c.query("UPDATE refresh_tokens SET used_at = $2 WHERE digest = $1",
                       {std::string(refresh_digest), now});
      !r) {
    return r.error();
  }
  if (auto r = c.query(
          "INSERT INTO refresh_tokens (digest, session_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
          {std::string(next_digest), s.id, now, next_expires_at});
      !r) {
    return r.error();
  }
  if (auto r = c.query("UPDATE sessions SET expires_at = $2 WHERE id = $1", {s.id, next_expires_at}); !r) {
    return r.error();
  }
  if (auto r = tx->commit(); !r) return r.error();
  return s;
}

Result<auth::User> SqlSessionRepository::active_user(std::string_view session_id, std::string_view user_id,
                                                     std::int64_t now) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto r = (*conn)->query(
      "SELECT u.id, u.email, u.username, u.full_name, u.avatar_url, u.password_hash, u.role, u.disabled, "
      "u.created_at, u.updated_at FROM sessions s JOIN users u ON u.id = s.user_id "
      "WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > $3",
      {std::string(session_id), std::string(user_id), now});
  if (!r) return r.error();
  if (r->empty()) {
    Error e = make_error(ErrorCode::unauthorized, "Session ended", "Sign in again");
    e.reason = errc::session_revoked.code;
    return e;
  }
  auth::User u;
  u.id = r->text(0, 0);
  u.email = r->text(0, 1);
  u.username = r->text(0, 2);
  u.full_name = r->text(0, 3);
  u.avatar_url = r->text(0, 4);
  u.password_hash = r->text(0, 5);
  u.role = auth::parse_role(r->text(0, 6)).value_or(auth::Role::user);
  u.disabled = r->int64(0, 7) != 0;
  u.created_at = r->int64(0, 8);
  u.updated_at = r->int64(0, 9);
  return u;
}

Status SqlSessionRepository::revoke(std::string_view session_id, std::int64_t now) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto r = (*conn)->query("UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                          {std::string(session_id), now});
  if (!r) return r.error();
  return {};
}

Status SqlSessionRepository::revoke_all(std::string_view user_id, std::string_view keep, std::int64_t now) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto r = (*conn)->query(
      "UPDATE sessions SET revoked_at = $3 WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL",
      {std::string(user_id), std::string(keep), now});
  if (!r) return r.error();
  return {};
}

}  // namespace astropixel::db
