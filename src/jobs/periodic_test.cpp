// Periodic jobs on both databases: one run per period however many instances offer it, none while
// one is unfinished, and old runs forgotten.
#include "jobs/periodic.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/clock.hpp"
#include "db/testing/fresh_database.hpp"
#include "jobs/job_queue.hpp"

namespace astropixel::jobs {
namespace {

PeriodicJob const kSweep{"expire_things", std::chrono::milliseconds(1000)};

class Periodic : public db::testing::FreshDatabase {
 protected:
  std::int64_t count(std::string const& where = "1 = 1") {
    auto c = pool_->acquire().value();
    return c->query("SELECT COUNT(*) FROM jobs WHERE kind = 'expire_things' AND " + where)
        .value()
        .int64(0, 0);
  }
  // Claims and ends the queued run.
  void run_one() {
    auto c = pool_->acquire().value();
    JobQueue q("test", std::chrono::seconds(30));
    auto j = q.claim(*c, {kSweep.kind}).value();
    ASSERT_TRUE(j);
    ASSERT_TRUE(q.succeed(*c, *j));
  }
};

TEST_P(Periodic, OnePeriodIsQueuedOnce) {
  auto c = pool_->acquire().value();
  EXPECT_TRUE(offer_periodic(*c, kSweep, 5'000).value());
  EXPECT_FALSE(offer_periodic(*c, kSweep, 5'999).value());
  EXPECT_EQ(count(), 1);
  EXPECT_EQ(periodic_job_id(kSweep, 5'000), periodic_job_id(kSweep, 5'999));
  EXPECT_NE(periodic_job_id(kSweep, 5'000), periodic_job_id(kSweep, 6'000));
}

TEST_P(Periodic, NothingNewWhileARunIsUnfinished) {
  auto c = pool_->acquire().value();
  ASSERT_TRUE(offer_periodic(*c, kSweep, 5'000).value());
  EXPECT_FALSE(offer_periodic(*c, kSweep, 6'000).value());  // still queued
  JobQueue q("test", std::chrono::seconds(30));
  auto j = q.claim(*c, {kSweep.kind}).value();
  ASSERT_TRUE(j);
  EXPECT_FALSE(offer_periodic(*c, kSweep, 7'000).value());  // running
  ASSERT_TRUE(q.succeed(*c, *j));
  EXPECT_TRUE(offer_periodic(*c, kSweep, 8'000).value());
  EXPECT_FALSE(offer_periodic(*c, kSweep, 8'500).value());  // this period's run exists
  EXPECT_EQ(count(), 2);
}

TEST_P(Periodic, InstancesOfferingTogetherQueueOneRun) {
  constexpr int kInstances = 6;
  std::atomic<int> queued{0}, failed{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kInstances; ++i) {
    threads.emplace_back([&] {
      auto c = pool_->acquire();
      if (!c) {
        ++failed;
        return;
      }
      while (!go) std::this_thread::yield();
      auto r = offer_periodic(**c, kSweep, 42'000);
      if (!r)
        ++failed;
      else if (*r)
        ++queued;
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(queued, 1);
  EXPECT_EQ(count(), 1);
}

TEST_P(Periodic, OldRunsAreForgotten) {
  auto c = pool_->acquire().value();
  ASSERT_TRUE(offer_periodic(*c, kSweep, 1'000).value());
  run_one();
  // updated_at of the finished run is the wall clock; offer from far enough after it.
  auto later = now_unix_ms() + 11 * kSweep.every.count();
  ASSERT_TRUE(offer_periodic(*c, kSweep, later).value());
  EXPECT_EQ(count(), 1);
  EXPECT_EQ(count("state = 'queued'"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, Periodic, ::testing::Values(db::Dialect::sqlite, db::Dialect::postgres),
                         db::testing::backend_name);

}  // namespace
}  // namespace astropixel::jobs
