#include "db/sqlite/sqlite_connection.hpp"

#include <sqlite3.h>

#include <chrono>
#include <thread>

namespace astropixel::db {
namespace {

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override { sqlite3_close_v2(db_); }

  Dialect dialect() const override { return Dialect::sqlite; }
  bool broken() const override { return false; }

  Result<Rows> query(std::string_view sql, std::vector<Value> const& params) override {
    std::string rewritten = sqlite_placeholders(sql);
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, rewritten.c_str(), static_cast<int>(rewritten.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) return error(rc);
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(stmt, sqlite3_finalize);
    for (std::size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      auto const& p = params[i];
      if (std::holds_alternative<std::monostate>(p))
        rc = sqlite3_bind_null(stmt, idx);
      else if (auto const* v = std::get_if<std::int64_t>(&p))
        rc = sqlite3_bind_int64(stmt, idx, *v);
      else if (auto const* d = std::get_if<double>(&p))
        rc = sqlite3_bind_double(stmt, idx, *d);
      else {
        auto const& s = std::get<std::string>(p);
        rc = sqlite3_bind_text64(stmt, idx, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      }
      if (rc != SQLITE_OK) return error(rc);
    }
    Rows out;
    int ncols = sqlite3_column_count(stmt);
    for (int c = 0; c < ncols; ++c) out.columns.emplace_back(sqlite3_column_name(stmt, c));
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      auto& row = out.rows.emplace_back();
      row.reserve(static_cast<std::size_t>(ncols));
      for (int c = 0; c < ncols; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_NULL:
            row.emplace_back(std::monostate{});
            break;
          case SQLITE_INTEGER:
            row.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(stmt, c)));
            break;
          case SQLITE_FLOAT:
            row.emplace_back(sqlite3_column_double(stmt, c));
            break;
          default: {
            auto const* text = reinterpret_cast<char const*>(sqlite3_column_text(stmt, c));
            row.emplace_back(std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c))));
          }
        }
      }
    }
    if (rc != SQLITE_DONE) return error(rc);
    out.affected = sqlite3_changes64(db_);
    return out;
  }

  Status execute_script(std::string_view sql) override {
    std::string s(sql);
    char* msg = nullptr;
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &msg);
    if (rc != SQLITE_OK) {
      std::string detail = msg ? msg : sqlite3_errstr(rc);
      sqlite3_free(msg);
      return make_error(ErrorCode::internal, "Database error", detail);
    }
    return {};
  }

 private:
  Error error(int rc) const {
    std::string detail = sqlite3_errmsg(db_);
    int primary = rc & 0xff;
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return make_error(ErrorCode::conflict, "Already exists", detail);
    }
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
      Error e = make_error(ErrorCode::unavailable, "Database busy", detail);
      e.retry_after_s = 1;
      return e;
    }
    if (primary == SQLITE_FULL)
      return make_error(ErrorCode::insufficient_storage, "Database disk full", detail);
    return make_error(ErrorCode::internal, "Database error", detail);
  }

  sqlite3* db_;
};

}  // namespace

std::string sqlite_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      c = '?';
    }
    out.push_back(c);
  }
  return out;
}

Result<std::unique_ptr<Connection>> open_sqlite(std::string const& path, int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return make_error(ErrorCode::unavailable, "Cannot open the database", detail);
  }
  auto conn = std::make_unique<SqliteConnection>(db);
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  // WAL: readers never block the writer. The switch is stored in the file and needs it to itself:
  // SQLite answers SQLITE_BUSY at once, without the busy handler, while another connection holds it,
  // which is the case when several instances open one fresh database together (the first switches,
  // the others are refused). So it is retried for as long as the busy timeout allows.
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
  for (;;) {
    int wal = sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    if (wal == SQLITE_OK) break;
    if ((wal & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= until)
      return make_error(ErrorCode::unavailable, "Cannot open the database", sqlite3_errmsg(db));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // NORMAL sync is durable across process crashes in WAL mode.
  if (auto s = conn->execute_script("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"); !s) {
    return s.error();
  }
  return std::unique_ptr<Connection>(std::move(conn));
}

}  // namespace astropixel::db
