#include "db/connection.hpp"

#include <charconv>
#include <stdexcept>

namespace astropixel::db {

std::string const& Rows::text(std::size_t row, std::size_t col) const {
  static const std::string kEmpty;
  auto const& v = rows.at(row).at(col);
  if (auto const* s = std::get_if<std::string>(&v)) return *s;
  if (std::holds_alternative<std::monostate>(v)) return kEmpty;
  throw std::logic_error("column " + columns.at(col) + " is not text");
}

std::int64_t Rows::int64(std::size_t row, std::size_t col) const {
  auto const& v = rows.at(row).at(col);
  if (auto const* i = std::get_if<std::int64_t>(&v)) return *i;
  if (auto const* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  if (auto const* s = std::get_if<std::string>(&v)) {
    std::int64_t out = 0;
    std::from_chars(s->data(), s->data() + s->size(), out);
    return out;
  }
  return 0;
}

bool Rows::is_null(std::size_t row, std::size_t col) const {
  return std::holds_alternative<std::monostate>(rows.at(row).at(col));
}

Result<Transaction> Transaction::begin(Connection& conn, bool write) {
  auto sql = conn.dialect() == Dialect::sqlite && write ? "BEGIN IMMEDIATE" : "BEGIN";
  if (auto r = conn.query(sql); !r) return r.error();
  return Transaction(conn);
}

Transaction::~Transaction() {
  if (conn_ && !conn_->broken()) (void)conn_->query("ROLLBACK");
}

Status Transaction::commit() {
  auto* conn = conn_;
  conn_ = nullptr;
  if (auto r = conn->query("COMMIT"); !r) return r.error();
  return {};
}

}  // namespace astropixel::db
