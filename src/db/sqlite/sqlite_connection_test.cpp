#include "db/sqlite/sqlite_connection.hpp"

#include <gtest/gtest.h>

namespace astropixel::db {
namespace {

TEST(SqlitePlaceholders, RewritesOnlyOutsideLiterals) {
  EXPECT_EQ(sqlite_placeholders("SELECT $1, '$2', \"$3\", $10"), "SELECT ?1, '$2', \"$3\", ?10");
  EXPECT_EQ(sqlite_placeholders("SELECT '$' || $2"), "SELECT '$' || ?2");
}

TEST(SqliteConnection, TypedRoundTripAndReuseOfPlaceholder) {
  auto conn = open_sqlite(":memory:").value();
  auto r =
      conn->query("SELECT $1, $2, $3, $4, $1", {std::int64_t{42}, 2.5, std::string("x'y"), std::monostate{}})
          .value();
  EXPECT_EQ(r.int64(0, 0), 42);
  EXPECT_EQ(std::get<double>(r.rows[0][1]), 2.5);
  EXPECT_EQ(r.text(0, 2), "x'y");
  EXPECT_TRUE(r.is_null(0, 3));
  EXPECT_EQ(r.int64(0, 4), 42);
}

}  // namespace
}  // namespace astropixel::db
