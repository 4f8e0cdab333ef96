#include "db/pool_metrics.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace astropixel::db {
namespace {

TEST(PoolMetrics, AScrapeReadsThePoolAsItIsThen) {
  auto dir = std::filesystem::temp_directory_path() / ("pool_metrics_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto pool = make_pool("sqlite:" + (dir / "db.sqlite").string(), {});
  ASSERT_TRUE(pool) << pool.error().message;
  metrics::Metrics m("1", "c");
  add_pool_metrics(m, **pool);
  auto idle = m.serialize();
  EXPECT_NE(idle.find(R"(astropixel_db_pool_connections{state="in_use"} 0)"), std::string::npos) << idle;
  {
    auto lease = (*pool)->acquire();
    ASSERT_TRUE(lease);
    auto busy = m.serialize();
    EXPECT_NE(busy.find(R"(astropixel_db_pool_connections{state="in_use"} 1)"), std::string::npos) << busy;
    EXPECT_NE(busy.find("astropixel_db_pool_timeouts_total 0"), std::string::npos) << busy;
  }
  pool->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace astropixel::db
