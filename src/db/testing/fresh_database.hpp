#pragma once
// Test support: a fresh, migrated database per test, on SQLite or on the real PostgreSQL that
// scripts/test.sh starts (ASTROPIXEL_TEST_PG_URL). Contract suites are parameterised over both.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"

namespace astropixel::db::testing {

// Runs one statement on the PostgreSQL maintenance database (CREATE/DROP DATABASE).
inline void pg_admin(std::string const& base_url, std::string const& sql) {
  PGconn* c = PQconnectdb(base_url.c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  PGresult* r = PQexec(c, sql.c_str());
  EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
}

class FreshDatabase : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    if (GetParam() == Dialect::sqlite) {
      path_ = std::filesystem::temp_directory_path() / ("ap-contract-" + random_hex(6) + ".db");
      url_ = "sqlite://" + path_.string();
    } else {
      char const* base = std::getenv("ASTROPIXEL_TEST_PG_URL");
      // Not a silent skip: scripts/test.sh always starts PostgreSQL and sets this.
      ASSERT_NE(base, nullptr) << "ASTROPIXEL_TEST_PG_URL is not set (scripts/test.sh starts PostgreSQL)";
      base_url_ = base;
      dbname_ = "ap_contract_" + random_hex(6);
      pg_admin(base_url_, "CREATE DATABASE " + dbname_);
      auto slash = base_url_.rfind('/');
      url_ = base_url_.substr(0, slash + 1) + dbname_;
    }
    pool_ = make_pool(url_, {4, 2, std::chrono::milliseconds(2000)}).value();
    ASSERT_TRUE(migrate(*pool_).has_value());
  }
  // A further empty (unmigrated) database of the same kind, dropped at TearDown.
  std::string empty_database() {
    if (GetParam() == Dialect::sqlite) {
      auto path = std::filesystem::temp_directory_path() / ("ap-contract-" + random_hex(6) + ".db");
      extra_paths_.push_back(path);
      return "sqlite://" + path.string();
    }
    auto name = "ap_contract_" + random_hex(6);
    pg_admin(base_url_, "CREATE DATABASE " + name);
    extra_dbnames_.push_back(name);
    return base_url_.substr(0, base_url_.rfind('/') + 1) + name;
  }

  void TearDown() override {
    pool_.reset();
    for (auto const& p : extra_paths_) {
      for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + suffix);
    }
    for (auto const& n : extra_dbnames_) pg_admin(base_url_, "DROP DATABASE IF EXISTS " + n);
    if (!path_.empty()) {
      for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_.string() + suffix);
    }
    if (!dbname_.empty()) pg_admin(base_url_, "DROP DATABASE IF EXISTS " + dbname_);
  }

  std::filesystem::path path_;
  std::string url_, base_url_, dbname_;
  std::unique_ptr<Pool> pool_;
  std::vector<std::filesystem::path> extra_paths_;
  std::vector<std::string> extra_dbnames_;
};

inline std::string backend_name(::testing::TestParamInfo<Dialect> const& p) {
  return p.param == Dialect::sqlite ? "sqlite" : "postgres";
}

}  // namespace astropixel::db::testing
