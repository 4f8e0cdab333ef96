// One table of behaviour for every Limiter: the in-process one and the Redis one must agree. Runs on
// the real clock with short windows; the Redis case needs ASTROPIXEL_TEST_REDIS_URL (scripts/test.sh
// starts redis-server on 127.0.0.1).
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <thread>

#include "core/ids.hpp"
#include "ratelimit/memory_limiter.hpp"
#include "ratelimit/redis_limiter.hpp"

namespace astropixel::ratelimit {
namespace {

enum class Backend { memory, redis };

class Contract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::memory) {
      limiter_ = std::make_unique<MemoryLimiter>();
      return;
    }
    char const* url = std::getenv("ASTROPIXEL_TEST_REDIS_URL");
    ASSERT_NE(url, nullptr) << "ASTROPIXEL_TEST_REDIS_URL is not set: run the tests through scripts/test.sh";
    auto address = parse_redis_url(url);
    ASSERT_TRUE(address.has_value());
    // A fresh prefix per test: runs never see each other's keys.
    auto redis = std::make_unique<RedisLimiter>(RedisOptions{
        .address = *address, .on_failure = FailureMode::closed, .prefix = "test:" + random_hex(8) + ":"});
    ASSERT_TRUE(redis->ping().has_value());
    redis_ = redis.get();
    limiter_ = std::move(redis);
  }
  void TearDown() override {
    if (redis_) {
      EXPECT_EQ(redis_->failures(), 0u) << "no check may have fallen back";
    }
  }
  std::unique_ptr<Limiter> limiter_;
  RedisLimiter* redis_ = nullptr;
};

TEST_P(Contract, AllowsTheBurstThenDeniesWithRetryAfter) {
  Policy p{"burst", 5, std::chrono::seconds(10)};
  for (std::uint32_t i = 0; i < 5; ++i) {
    auto d = limiter_->check(p, "1.2.3.4");
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 4u - i);
  }
  auto denied = limiter_->check(p, "1.2.3.4");
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.remaining, 0u);
  EXPECT_EQ(denied.retry_after, 2u) << "one emission interval = 10 s / 5";
  EXPECT_EQ(denied.reset, 10u) << "the whole quota is back after the window";
  EXPECT_TRUE(limiter_->check(p, "5.6.7.8").allowed) << "keys are independent";
}

TEST_P(Contract, OneRequestComesBackAfterEachInterval) {
  Policy p{"refill", 5, std::chrono::seconds(1)};  // T = 200 ms
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limiter_->check(p, "k").allowed) << i;
  EXPECT_FALSE(limiter_->check(p, "k").allowed);
  std::this_thread::sleep_for(std::chrono::milliseconds(260));
  EXPECT_TRUE(limiter_->check(p, "k").allowed);
  EXPECT_FALSE(limiter_->check(p, "k").allowed);
}

TEST_P(Contract, PeekCountsNothing) {
  Policy p{"peek", 3, std::chrono::seconds(60)};
  for (int i = 0; i < 10; ++i) {
    auto d = limiter_->peek(p, "k");
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 2u) << "what check would answer";
  }
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter_->check(p, "k").allowed) << i;
  auto d = limiter_->peek(p, "k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 20u);
  EXPECT_FALSE(limiter_->check(p, "k").allowed);
}

TEST_P(Contract, PoliciesAreSeparate) {
  Policy a{"a", 1, std::chrono::seconds(60)}, b{"b", 1, std::chrono::seconds(60)};
  EXPECT_TRUE(limiter_->check(a, "k").allowed);
  EXPECT_TRUE(limiter_->check(b, "k").allowed);
  EXPECT_FALSE(limiter_->check(a, "k").allowed);
}

TEST_P(Contract, ZeroLimitMeansUnlimited) {
  Policy p{"off", 0, std::chrono::seconds(1)};
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(limiter_->check(p, "k").allowed);
}

TEST_P(Contract, ConcurrentChecksNeverOverAdmit) {
  Policy p{"race", 40, std::chrono::seconds(60)};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) allowed += limiter_->check(p, "shared").allowed ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  // 100 attempts within well under a second: the burst of 40, plus at most one refilled request.
  EXPECT_GE(allowed.load(), 40);
  EXPECT_LE(allowed.load(), 41);
}

INSTANTIATE_TEST_SUITE_P(Backends, Contract, ::testing::Values(Backend::memory, Backend::redis),
                         [](auto const& param_info) {
                           return param_info.param == Backend::memory ? "memory" : "redis";
                         });

TEST(RedisUrl, Parses) {
  auto a = parse_redis_url("redis://:s3cret@cache.internal:6380/2").value();
  EXPECT_EQ(a.host, "cache.internal");
  EXPECT_EQ(a.port, 6380);
  EXPECT_EQ(a.password, "s3cret");
  EXPECT_EQ(a.database, 2);
  auto b = parse_redis_url("redis://127.0.0.1").value();
  EXPECT_EQ(b.port, 6379);
  EXPECT_EQ(b.database, 0);
  for (auto bad : {"http://x", "rediss://x", "redis://", "redis://h:0", "redis://h:99999", "redis://h:1/x"})
    EXPECT_TRUE(parse_redis_url(bad).has_error()) << bad;
}

// Nothing listens on the port: the configured failure mode answers, and after one failure the
// limiter stops trying for the backoff period instead of paying a connect timeout per request.
TEST(RedisLimiter, UnreachableFailsOpenOrClosedAsConfigured) {
  RedisAddress nowhere;
  nowhere.port = 1;
  RedisLimiter open({.address = nowhere, .on_failure = FailureMode::open});
  RedisLimiter closed({.address = nowhere, .on_failure = FailureMode::closed});
  Policy p{"p", 1, std::chrono::seconds(60)};
  EXPECT_TRUE(open.check(p, "k").allowed);
  EXPECT_TRUE(open.check(p, "k").allowed) << "open: never denies";
  auto d = closed.check(p, "k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 1u);
  EXPECT_EQ(open.failures(), 2u);
  EXPECT_TRUE(open.ping().has_error());
}

}  // namespace
}  // namespace astropixel::ratelimit
