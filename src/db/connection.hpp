#pragma once
// The narrow SQL interface both drivers implement. SQL is written once in PostgreSQL's placeholder
// style ($1, $2, ...) in the dialect common to SQLite 3.40 and PostgreSQL 15; the SQLite driver
// rewrites placeholders. Results come back as typed values.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace astropixel::db {

enum class Dialect { sqlite, postgres };

using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

struct Rows {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  std::int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE

  bool empty() const { return rows.empty(); }
  std::string const& text(std::size_t row, std::size_t col) const;
  std::int64_t int64(std::size_t row, std::size_t col) const;
  bool is_null(std::size_t row, std::size_t col) const;
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // Runs one statement with bound parameters.
  // Errors: conflict (unique violation), unavailable (connection lost, busy), internal.
  virtual Result<Rows> query(std::string_view sql, std::vector<Value> const& params = {}) = 0;
  // Runs several statements without parameters (migrations).
  virtual Status execute_script(std::string_view sql) = 0;
  // True once the connection is unusable; the pool then closes it instead of reusing it.
  virtual bool broken() const = 0;
};

// Starts a transaction; rolls back on destruction unless committed. `write` takes SQLite's write
// lock up front (BEGIN IMMEDIATE) so two writers wait on busy_timeout instead of deadlocking.
class Transaction {
 public:
  static Result<Transaction> begin(Connection& conn, bool write);
  Transaction(Transaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Connection& conn) : conn_(&conn) {}
  Connection* conn_;
};

}  // namespace astropixel::db
