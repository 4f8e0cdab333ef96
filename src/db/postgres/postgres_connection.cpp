#include "db/postgres/postgres_connection.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>

namespace astropixel::db {
namespace {

// Type OIDs from pg_type.h (server headers are not installed with libpq-dev).
constexpr Oid kBoolOid = 16, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23, kFloat4Oid = 700, kFloat8Oid = 701;

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}
  ~PostgresConnection() override { PQfinish(conn_); }

  Dialect dialect() const override { return Dialect::postgres; }
  bool broken() const override { return PQstatus(conn_) != CONNECTION_OK; }

  Result<Rows> query(std::string_view sql, std::vector<Value> const& params) override {
    std::vector<std::string> text(params.size());
    std::vector<char const*> values(params.size(), nullptr);
    for (std::size_t i = 0; i < params.size(); ++i) {
      auto const& p = params[i];
      if (std::holds_alternative<std::monostate>(p)) continue;
      if (auto const* v = std::get_if<std::int64_t>(&p))
        text[i] = std::to_string(*v);
      else if (auto const* d = std::get_if<double>(&p))
        text[i] = std::to_string(*d);
      else
        text[i] = std::get<std::string>(p);
      values[i] = text[i].c_str();
    }
    std::string s(sql);
    PGresult* res = PQexecParams(conn_, s.c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                                 nullptr, nullptr, 0);
    std::unique_ptr<PGresult, void (*)(PGresult*)> guard(res, PQclear);
    auto status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return error(res);

    Rows out;
    int ncols = PQnfields(res), nrows = PQntuples(res);
    for (int c = 0; c < ncols; ++c) out.columns.emplace_back(PQfname(res, c));
    out.rows.reserve(static_cast<std::size_t>(nrows));
    for (int r = 0; r < nrows; ++r) {
      auto& row = out.rows.emplace_back();
      for (int c = 0; c < ncols; ++c) {
        if (PQgetisnull(res, r, c)) {
          row.emplace_back(std::monostate{});
          continue;
        }
        char const* v = PQgetvalue(res, r, c);
        std::size_t len = static_cast<std::size_t>(PQgetlength(res, r, c));
        switch (PQftype(res, c)) {
          case kInt2Oid:
          case kInt4Oid:
          case kInt8Oid: {
            std::int64_t i = 0;
            std::from_chars(v, v + len, i);
            row.emplace_back(i);
            break;
          }
          case kBoolOid:
            row.emplace_back(std::int64_t{v[0] == 't'});
            break;
          case kFloat4Oid:
          case kFloat8Oid:
            row.emplace_back(std::strtod(v, nullptr));
            break;
          default:
            row.emplace_back(std::string(v, len));
        }
      }
    }
    char const* affected = PQcmdTuples(res);
    if (affected && *affected) out.affected = std::strtoll(affected, nullptr, 10);
    return out;
  }

  Status execute_script(std::string_view sql) override {
    std::string s(sql);
    PGresult* res = PQexec(conn_, s.c_str());
    std::unique_ptr<PGresult, void (*)(PGresult*)> guard(res, PQclear);
    auto status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return error(res);
    return {};
  }

 private:
  Error error(PGresult const* res) const {
    std::string detail = PQerrorMessage(conn_);
    if (broken()) {
      Error e = make_error(ErrorCode::unavailable, "Database unavailable", detail);
      e.retry_after_s = 2;
      return e;
    }
    char const* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string_view sqlstate = state ? state : "";
    if (sqlstate == "23505") return make_error(ErrorCode::conflict, "Already exists", detail);
    // Serialization failure, deadlock, cancelled statement, too many connections, shutting down.
    if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "57014" || sqlstate.starts_with("53") ||
        sqlstate.starts_with("57P") || sqlstate.starts_with("08")) {
      Error e = make_error(ErrorCode::unavailable, "Database unavailable", detail);
      e.retry_after_s = 1;
      return e;
    }
    return make_error(ErrorCode::internal, "Database error", detail);
  }

  PGconn* conn_;
};

}  // namespace

Result<std::unique_ptr<Connection>> open_postgres(std::string const& url, int connect_timeout_s) {
  std::string timeout = std::to_string(connect_timeout_s);
  char const* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  char const* values[] = {url.c_str(), timeout.c_str(), "astropixel", nullptr};
  // expand_dbname=1: the URI in "dbname" supplies every other parameter.
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string detail = conn ? PQerrorMessage(conn) : "out of memory";
    PQfinish(conn);
    Error e = make_error(ErrorCode::unavailable, "Database unavailable", detail);
    e.retry_after_s = 2;
    return e;
  }
  return std::unique_ptr<Connection>(new PostgresConnection(conn));
}

}  // namespace astropixel::db
