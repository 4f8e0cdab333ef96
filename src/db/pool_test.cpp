#include "db/pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace astropixel::db {
namespace {

// A connection that does nothing: the pool's bookkeeping is what is under test.
struct NullConnection : Connection {
  explicit NullConnection(std::atomic<int>& live) : live_(live) { ++live_; }
  ~NullConnection() override { --live_; }
  Dialect dialect() const override { return Dialect::sqlite; }
  Result<Rows> query(std::string_view, std::vector<Value> const&) override { return Rows{}; }
  Status execute_script(std::string_view) override { return {}; }
  bool broken() const override { return broken_; }
  std::atomic<int>& live_;
  bool broken_ = false;
};

struct PoolTest : ::testing::Test {
  std::atomic<int> live{0};
  Pool make(std::size_t size, std::size_t overflow, int timeout_ms) {
    return Pool(
        [this]() -> Result<std::unique_ptr<Connection>> { return std::make_unique<NullConnection>(live); },
        Dialect::sqlite, {size, overflow, std::chrono::milliseconds(timeout_ms)});
  }
};

TEST_F(PoolTest, NeverMoreThanSizePlusOverflowAndOverflowClosedWhenReturned) {
  Pool pool = make(2, 1, 50);
  {
    auto a = pool.acquire().value();
    auto b = pool.acquire().value();
    auto c = pool.acquire().value();
    EXPECT_EQ(live, 3);
    EXPECT_EQ(pool.stats().in_use, 3u);
    auto t0 = std::chrono::steady_clock::now();
    auto d = pool.acquire();
    auto waited = std::chrono::steady_clock::now() - t0;
    ASSERT_TRUE(d.has_error());
    EXPECT_EQ(d.error().code, ErrorCode::unavailable);
    EXPECT_GE(d.error().retry_after_s, 1);
    EXPECT_GE(waited, std::chrono::milliseconds(50));
    EXPECT_LT(waited, std::chrono::seconds(2));
    EXPECT_EQ(pool.stats().timeouts, 1u);
  }
  EXPECT_EQ(live, 2) << "the overflow connection is closed, the core ones stay idle";
  EXPECT_EQ(pool.stats().idle, 2u);
}

TEST_F(PoolTest, WaiterGetsConnectionReleasedByAnotherThread) {
  Pool pool = make(1, 0, 2000);
  auto held = std::make_unique<Pool::Lease>(pool.acquire().value());
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    held.reset();
  });
  auto got = pool.acquire();
  releaser.join();
  EXPECT_TRUE(got.has_value());
  EXPECT_EQ(live, 1);
}

TEST_F(PoolTest, BrokenConnectionsAreDiscarded) {
  Pool pool = make(1, 0, 50);
  {
    auto a = pool.acquire().value();
    static_cast<NullConnection&>(*a).broken_ = true;
  }
  EXPECT_EQ(live, 0);
  EXPECT_TRUE(pool.acquire().has_value());
}

TEST_F(PoolTest, FactoryFailureFreesTheSlot) {
  int calls = 0;
  Pool pool(
      [&]() -> Result<std::unique_ptr<Connection>> {
        if (++calls == 1) return make_error(ErrorCode::unavailable, "down");
        return std::make_unique<NullConnection>(live);
      },
      Dialect::sqlite, {1, 0, std::chrono::milliseconds(50)});
  EXPECT_EQ(pool.acquire().error().code, ErrorCode::unavailable);
  EXPECT_TRUE(pool.acquire().has_value());
}

TEST(MakePool, RejectsUnknownScheme) {
  EXPECT_EQ(make_pool("mysql://x", {}).error().code, ErrorCode::validation);
  EXPECT_TRUE(make_pool("sqlite:///tmp/x.db", {}).has_value());
}

}  // namespace
}  // namespace astropixel::db
