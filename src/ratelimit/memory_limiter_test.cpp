#include "ratelimit/memory_limiter.hpp"

#include <gtest/gtest.h>

namespace astropixel::ratelimit {
namespace {

struct FakeClock {
  std::chrono::steady_clock::time_point now{std::chrono::hours(1)};
  MemoryLimiter::Clock fn() {
    return [this] { return now; };
  }
};

TEST(MemoryLimiter, AllowsBurstThenDeniesWithRetryAfter) {
  FakeClock clock;
  MemoryLimiter limiter(1000, clock.fn());
  Policy p{"api", 5, std::chrono::seconds(10)};
  for (int i = 0; i < 5; ++i) {
    auto d = limiter.check(p, "1.2.3.4");
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 4u - i);
  }
  auto denied = limiter.check(p, "1.2.3.4");
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.retry_after, 2u);  // one emission interval = 10 s / 5
  EXPECT_TRUE(limiter.check(p, "5.6.7.8").allowed) << "keys are independent";
  clock.now += std::chrono::seconds(2);
  EXPECT_TRUE(limiter.check(p, "1.2.3.4").allowed) << "one request restored after T";
  EXPECT_FALSE(limiter.check(p, "1.2.3.4").allowed);
}

TEST(MemoryLimiter, PoliciesAreSeparate) {
  FakeClock clock;
  MemoryLimiter limiter(1000, clock.fn());
  Policy a{"a", 1, std::chrono::seconds(60)}, b{"b", 1, std::chrono::seconds(60)};
  EXPECT_TRUE(limiter.check(a, "k").allowed);
  EXPECT_TRUE(limiter.check(b, "k").allowed);
  EXPECT_FALSE(limiter.check(a, "k").allowed);
}

TEST(MemoryLimiter, MemoryStaysBounded) {
  FakeClock clock;
  MemoryLimiter limiter(160, clock.fn());
  Policy p{"api", 10, std::chrono::seconds(60)};
  for (int i = 0; i < 10000; ++i) limiter.check(p, "client-" + std::to_string(i));
  EXPECT_LE(limiter.size(), 160u);
}

TEST(MemoryLimiter, ZeroLimitMeansUnlimited) {
  MemoryLimiter limiter;
  Policy p{"off", 0, std::chrono::seconds(1)};
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.check(p, "k").allowed);
}

}  // namespace
}  // namespace astropixel::ratelimit
