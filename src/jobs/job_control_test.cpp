// An operator's retry and cancel on both databases: each changes only the state it names, and a
// worker's fenced writes and the operator's compare-and-set never undo each other.
#include "jobs/job_control.hpp"

#include <gtest/gtest.h>

#include "db/testing/fresh_database.hpp"
#include "jobs/job_queue.hpp"

namespace astropixel::jobs {
namespace {

using namespace std::chrono_literals;

class Control : public db::testing::FreshDatabase {
 protected:
  std::string enqueue(std::string subject = "s") {
    auto c = pool_->acquire().value();
    return JobQueue::enqueue(*c, {"build", std::move(subject), "{}", 1}).value();
  }
  std::string state_of(std::string const& id) {
    auto c = pool_->acquire().value();
    return c->query("SELECT state FROM jobs WHERE id = $1", {id}).value().text(0, 0);
  }
};

TEST_P(Control, RetryRequeuesOnlyAFailedJobWithItsAttemptsReset) {
  auto id = enqueue();
  JobQueue q("w", 60s);
  auto c = pool_->acquire().value();
  auto j = q.claim(*c, {"build"}).value().value();
  auto early = requeue_job(*c, id);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::conflict) << "a running job is the worker's";
  ASSERT_TRUE(q.fail(*c, j, "bad pixels"));
  ASSERT_TRUE(requeue_job(*c, id));
  EXPECT_EQ(state_of(id), "queued");
  auto again = requeue_job(*c, id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::conflict) << "a second click changes nothing";
  // The old holder's token no longer fences anything; the next claim is attempt 1 of 1 again.
  EXPECT_FALSE(q.succeed(*c, j));
  auto next = q.claim(*c, {"build"}).value().value();
  EXPECT_EQ(next.attempt, 1);
  EXPECT_EQ(next.max_attempts, 1);
  EXPECT_EQ(requeue_job(*c, "no-such-job").error().code, ErrorCode::not_found);
}

TEST_P(Control, CancelStopsAQueuedJobAtOnceAndAsksARunningOneToStop) {
  auto queued = enqueue("a");
  auto c = pool_->acquire().value();
  EXPECT_EQ(cancel_job(*c, queued).value(), Cancelled::now);
  EXPECT_EQ(state_of(queued), "cancelled");
  JobQueue q("w", 60s);
  EXPECT_FALSE(q.claim(*c, {"build"}).value().has_value()) << "a cancelled job is never claimed";

  auto running = enqueue("b");
  auto j = q.claim(*c, {"build"}).value().value();
  EXPECT_EQ(cancel_job(*c, running).value(), Cancelled::requested);
  auto renewal = q.renew(*c, j).value();
  EXPECT_TRUE(renewal.held);
  EXPECT_TRUE(renewal.cancel_requested);
  ASSERT_TRUE(q.cancelled(*c, j));
  auto finished = cancel_job(*c, running);
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().code, ErrorCode::conflict);
  EXPECT_EQ(cancel_job(*c, "no-such-job").error().code, ErrorCode::not_found);
}

TEST_P(Control, AWorkerThatFinishesFirstKeepsItsResult) {
  auto id = enqueue();
  JobQueue q("w", 60s);
  auto c = pool_->acquire().value();
  auto j = q.claim(*c, {"build"}).value().value();
  ASSERT_TRUE(q.succeed(*c, j));
  EXPECT_EQ(cancel_job(*c, id).error().code, ErrorCode::conflict);
  EXPECT_EQ(requeue_job(*c, id).error().code, ErrorCode::conflict);
  EXPECT_EQ(state_of(id), "succeeded");
}

TEST_P(Control, ACancelledJobCanBeRetriedUnlessANewerOneReplacedIt) {
  auto id = enqueue("a");
  auto c = pool_->acquire().value();
  ASSERT_EQ(cancel_job(*c, id).value(), Cancelled::now);
  ASSERT_TRUE(requeue_job(*c, id));
  EXPECT_EQ(state_of(id), "queued");
  JobQueue q("w", 60s);
  auto j = q.claim(*c, {"build"}).value().value();
  EXPECT_EQ(j.id, id);
  // A running job asked to stop is still running: not retried until its worker ends it.
  ASSERT_EQ(cancel_job(*c, id).value(), Cancelled::requested);
  EXPECT_EQ(requeue_job(*c, id).error().code, ErrorCode::conflict);
  ASSERT_TRUE(q.cancelled(*c, j));
  // Superseded: a newer build of the same subject exists, so the old one stays cancelled.
  auto old = enqueue("b");
  ASSERT_EQ(cancel_job(*c, old).value(), Cancelled::now);
  // created_at is in ms: make the newer job's creation strictly later.
  ASSERT_TRUE(c->query("UPDATE jobs SET created_at = created_at - 10 WHERE id = $1", {old}));
  auto newer = enqueue("b");
  auto refused = requeue_job(*c, old);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::conflict);
  EXPECT_EQ(state_of(old), "cancelled");
  EXPECT_EQ(state_of(newer), "queued");
}

INSTANTIATE_TEST_SUITE_P(Backends, Control, ::testing::Values(db::Dialect::sqlite, db::Dialect::postgres),
                         db::testing::backend_name);

}  // namespace
}  // namespace astropixel::jobs
