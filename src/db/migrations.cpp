#include "db/migrations.hpp"

#include <string_view>

#include "core/clock.hpp"

namespace astropixel::db {
namespace {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;  // the dialect common to SQLite and PostgreSQL
};

// Append only. Timestamps are Unix milliseconds (BIGINT) and booleans 0/1 (INTEGER) so one SQL
// text serves both databases.
constexpr Migration kMigrations[] = {
    {1, "users", R"sql(
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL,
  email_key TEXT NOT NULL UNIQUE,
  username TEXT NOT NULL UNIQUE,
  full_name TEXT NOT NULL DEFAULT '',
  avatar_url TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
)sql"},
    {2, "sessions", R"sql(
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT,
  user_agent TEXT NOT NULL DEFAULT '',
  ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE refresh_tokens (
  digest TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
)sql"},
    {3, "datasets_jobs_uploads", R"sql(
CREATE TABLE datasets (
  id TEXT PRIMARY KEY,
  owner_id TEXT REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL DEFAULT 'other',
  visibility TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'public')),
  file_name TEXT NOT NULL DEFAULT '',
  file_size BIGINT NOT NULL DEFAULT 0,
  source_key TEXT NOT NULL,
  format TEXT NOT NULL DEFAULT '',
  width BIGINT NOT NULL DEFAULT 0,
  height BIGINT NOT NULL DEFAULT 0,
  bands INTEGER NOT NULL DEFAULT 0,
  bit_depth INTEGER NOT NULL DEFAULT 0,
  sample_format TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
  progress INTEGER NOT NULL DEFAULT 0,
  failure_code TEXT NOT NULL DEFAULT '',
  failure_reason TEXT NOT NULL DEFAULT '',
  stretch TEXT NOT NULL DEFAULT '',
  pyramid_version INTEGER NOT NULL DEFAULT 0,
  pyramid_key TEXT NOT NULL DEFAULT '',
  pyramid_info TEXT NOT NULL DEFAULT '',
  next_version INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  expires_at BIGINT
);
CREATE INDEX datasets_owner ON datasets (owner_id, created_at);
CREATE INDEX datasets_public ON datasets (visibility, created_at);
CREATE INDEX datasets_expiry ON datasets (expires_at);
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  payload TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 3,
  run_after BIGINT NOT NULL,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_token TEXT NOT NULL DEFAULT '',
  lease_expires_at BIGINT NOT NULL DEFAULT 0,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE INDEX jobs_ready ON jobs (state, run_after);
CREATE INDEX jobs_subject ON jobs (subject);
CREATE TABLE uploads (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  length BIGINT NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'finished', 'expired')),
  dataset_id TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX uploads_expiry ON uploads (state, expires_at);
)sql"},
    {4, "annotations", R"sql(
CREATE TABLE annotations (
  id TEXT PRIMARY KEY,
  dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  author_id TEXT REFERENCES users(id) ON DELETE SET NULL,
  kind TEXT NOT NULL CHECK (kind IN ('point', 'rectangle', 'circle', 'polygon')),
  label TEXT NOT NULL,
  color TEXT NOT NULL,
  geometry TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX annotations_dataset ON annotations (dataset_id, created_at);
)sql"},
    // Uploads to an object store: the durable offset and the parts and fragments holding the bytes
    // (upload/object_staging.hpp), changed only by compare-and-set on staging_version.
    {5, "upload_staging", R"sql(
ALTER TABLE uploads ADD COLUMN staged_offset BIGINT NOT NULL DEFAULT 0;
ALTER TABLE uploads ADD COLUMN staging TEXT NOT NULL DEFAULT '';
ALTER TABLE uploads ADD COLUMN staging_version BIGINT NOT NULL DEFAULT 0;
)sql"},
    // One-time work that several instances starting together must do once (the demo dataset).
    {6, "once_markers", R"sql(
CREATE TABLE once_markers (
  name TEXT PRIMARY KEY,
  claimed_at BIGINT NOT NULL
);
)sql"},
    // The FITS OBJECT keyword of the published pyramid, searched with the name and description.
    {7, "datasets_sky_object", R"sql(
ALTER TABLE datasets ADD COLUMN sky_object TEXT NOT NULL DEFAULT '';
)sql"},
    // Fair scheduling (ADR 0019): whose work a job is (an opaque key; the user for builds) and when
    // it was last claimed, so a claim can serve the key with the fewest running jobs, then the one
    // served least recently.
    {8, "jobs_fairness", R"sql(
ALTER TABLE jobs ADD COLUMN fairness_key TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN claimed_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX jobs_fairness_running ON jobs (fairness_key, state);
CREATE INDEX jobs_fairness_served ON jobs (fairness_key, claimed_at);
)sql"},
    // A per-user storage quota set by an administrator; NULL = the configured default.
    {9, "users_storage_quota", R"sql(
ALTER TABLE users ADD COLUMN storage_quota_bytes BIGINT;
)sql"},
    // The SHA-256 of a dataset's source file as `astropixel import` read it (hex; '' when not
    // known), so importing a folder again skips the files already imported for that owner.
    {10, "datasets_content_sha256", R"sql(
ALTER TABLE datasets ADD COLUMN content_sha256 TEXT NOT NULL DEFAULT '';
CREATE INDEX datasets_owner_content ON datasets (owner_id, content_sha256);
)sql"},
    // What a running build lets viewers see before it publishes (ADR 0034); '' when nothing.
    {11, "datasets_building", R"sql(
ALTER TABLE datasets ADD COLUMN building TEXT NOT NULL DEFAULT '';
)sql"},
    // Links for other viewers (ADR 0038) are signed over this number: revoking them all, or making the
    // dataset private again, moves it on.
    {12, "datasets_link_epoch", R"sql(
ALTER TABLE datasets ADD COLUMN link_epoch BIGINT NOT NULL DEFAULT 0;
)sql"},
};

}  // namespace

int latest_schema_version() {
  return kMigrations[std::size(kMigrations) - 1].version;
}

Result<MigrationReport> migrate(Pool& pool) {
  auto conn = pool.acquire();
  if (!conn) return conn.error();
  auto& c = **conn;
  // Serialised like the migrations: on PostgreSQL, CREATE TABLE IF NOT EXISTS is not safe against
  // a concurrent creator (both see no table, one fails on pg_type's unique index).
  auto serialised = [&c]() -> Result<Transaction> {
    auto tx = Transaction::begin(c, true);
    if (!tx) return tx.error();
    if (c.dialect() == Dialect::postgres) {
      if (auto r = c.query("SELECT pg_advisory_xact_lock(7270011)"); !r) return r.error();
    }
    return tx;
  };
  {
    auto tx = serialised();
    if (!tx) return tx.error();
    if (auto s = c.execute_script(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at BIGINT NOT NULL)");
        !s) {
      return s.error();
    }
    if (auto s = tx->commit(); !s) return s.error();
  }
  MigrationReport report;
  bool first = true;
  for (auto const& m : kMigrations) {
    // One transaction per migration; PostgreSQL serialises instances with a transaction-scoped
    // advisory lock, SQLite with BEGIN IMMEDIATE's write lock.
    auto tx = serialised();
    if (!tx) return tx.error();
    auto current = c.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!current) return current.error();
    int version = static_cast<int>(current->int64(0, 0));
    if (first) {
      report.from_version = version;
      first = false;
      if (version > latest_schema_version()) {
        return make_error(ErrorCode::internal, "The database schema is newer than this binary",
                          "schema version " + std::to_string(version) + ", binary knows up to " +
                              std::to_string(latest_schema_version()));
      }
    }
    if (m.version <= version) continue;
    if (auto s = c.execute_script(m.sql); !s) {
      Error e = s.error();
      e.detail = "migration " + std::to_string(m.version) + " (" + std::string(m.name) + "): " + e.detail;
      return e;
    }
    if (auto r = c.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                         {std::int64_t{m.version}, std::string(m.name), now_unix_ms()});
        !r) {
      return r.error();
    }
    if (auto s = tx->commit(); !s) return s.error();
  }
  report.to_version = latest_schema_version();
  return report;
}

}  // namespace astropixel::db
