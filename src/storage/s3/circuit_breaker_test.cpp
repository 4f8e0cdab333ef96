#include "storage/s3/circuit_breaker.hpp"

#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace astropixel::storage {
namespace {

using namespace std::chrono_literals;
using Admission = CircuitBreaker::Admission;

TEST(CircuitBreaker, OpensAfterConsecutiveFailuresAndRefuses) {
  CircuitBreaker b(2, 10s);
  auto first = b.admit(), second = b.admit();
  ASSERT_EQ(first, Admission::normal);
  b.record(first, false);
  EXPECT_FALSE(b.is_open());
  b.record(second, false);
  EXPECT_TRUE(b.is_open());
  EXPECT_EQ(b.admit(), Admission::refused);
  EXPECT_EQ(b.rejections(), 1u);
}

TEST(CircuitBreaker, ASuccessResetsTheCount) {
  CircuitBreaker b(2, 10s);
  b.record(b.admit(), false);
  b.record(b.admit(), true);
  b.record(b.admit(), false);
  EXPECT_FALSE(b.is_open()) << "failures must be consecutive";
}

TEST(CircuitBreaker, AfterTheWindowOneTrialGoesAndDecides) {
  CircuitBreaker b(1, 20ms);
  b.record(b.admit(), false);
  ASSERT_TRUE(b.is_open());
  std::this_thread::sleep_for(40ms);
  auto trial = b.admit();
  ASSERT_EQ(trial, Admission::trial);
  EXPECT_EQ(b.admit(), Admission::refused) << "one trial at a time";
  b.record(trial, false);
  EXPECT_TRUE(b.is_open()) << "a failed trial opens another window";
  std::this_thread::sleep_for(40ms);
  trial = b.admit();
  ASSERT_EQ(trial, Admission::trial);
  b.record(trial, true);
  EXPECT_FALSE(b.is_open());
  EXPECT_EQ(b.admit(), Admission::normal);
}

// The hardening report's object-store outage: builds that were retrying when the breaker opened
// slept through their backoff, holding blocking-pool threads, so tile requests the open breaker
// should refuse at once queued behind them for seconds.
TEST(CircuitBreaker, ARetryPauseEndsAsSoonAsTheBreakerOpens) {
  CircuitBreaker b(2, 10s);
  auto retrying = b.admit();
  auto paused = std::async(std::launch::async, [&] { return b.pause_before_retry(1h); });
  // Two other operations fail meanwhile and open the breaker.
  auto x = b.admit(), y = b.admit();
  b.record(x, false);
  b.record(y, false);
  // Without the wake-up this waits for the hour (the test's own limit is far shorter).
  ASSERT_EQ(paused.wait_for(60s), std::future_status::ready);
  EXPECT_FALSE(paused.get()) << "the retrying operation gives up";
  b.record(retrying, false);
  EXPECT_FALSE(b.pause_before_retry(1h)) << "a pause that starts with the breaker open ends at once";
}

TEST(CircuitBreaker, APauseWithTheBreakerClosedSleepsItsLength) {
  CircuitBreaker b(5, 10s);
  EXPECT_TRUE(b.pause_before_retry(1ms));
}

}  // namespace
}  // namespace astropixel::storage
