// The queue's guarantees on both databases: one claimer per job, expired leases taken over, writes
// fenced by the lease token, retries with backoff, cancellation, and the worker pool on top.
#include "jobs/job_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <set>
#include <thread>

#include "core/clock.hpp"
#include "db/testing/fresh_database.hpp"
#include "jobs/worker_pool.hpp"

namespace astropixel::jobs {
namespace {

using namespace std::chrono_literals;

class Queue : public db::testing::FreshDatabase {
 protected:
  std::string enqueue(std::string subject = "s", int max_attempts = 3) {
    auto c = pool_->acquire().value();
    return JobQueue::enqueue(*c, {"build", std::move(subject), "{}", max_attempts}).value();
  }
  // A job of `key`; the pause gives each job its own creation millisecond, so FIFO order within
  // and across keys is what the test wrote.
  std::string enqueue_for(std::string const& key) {
    auto c = pool_->acquire().value();
    std::this_thread::sleep_for(2ms);
    return JobQueue::enqueue(*c, {.kind = "build", .subject = key, .fairness_key = key}).value();
  }
  // Claims one job and names its key ("" when nothing was claimed). The pause gives each claim its
  // own millisecond, so "served least recently" is never a tie.
  std::string claim_key(JobQueue& q, db::Connection& c, std::vector<Job>* held = nullptr) {
    std::this_thread::sleep_for(2ms);
    auto j = q.claim(c, {"build"}).value();
    if (!j) return "";
    if (held) held->push_back(*j);
    return j->fairness_key;
  }
  std::string state_of(std::string const& id) {
    auto c = pool_->acquire().value();
    return c->query("SELECT state FROM jobs WHERE id = $1", {id}).value().text(0, 0);
  }
};

TEST_P(Queue, ClaimsEachJobOnceAcrossConcurrentClaimers) {
  constexpr int kJobs = 20;
  for (int i = 0; i < kJobs; ++i) enqueue("s" + std::to_string(i));
  std::mutex m;
  std::multiset<std::string> claimed;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      JobQueue q("worker-" + std::to_string(t), 60s);
      auto c = pool_->acquire().value();
      for (int idle = 0; idle < 20;) {
        auto j = q.claim(*c, {"build"});
        if (!j) continue;  // SQLite busy under contention: try again
        if (!*j) {
          ++idle;
          std::this_thread::sleep_for(5ms);
          continue;
        }
        std::lock_guard lock(m);
        claimed.insert((*j)->id);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(claimed.size(), std::size_t{kJobs});
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(), std::size_t{kJobs});
}

TEST_P(Queue, OnlyRegisteredKindsAreClaimed) {
  enqueue();
  JobQueue q("w", 60s);
  auto c = pool_->acquire().value();
  EXPECT_FALSE(q.claim(*c, {"other"}).value().has_value());
  EXPECT_TRUE(q.claim(*c, {"other", "build"}).value().has_value());
}

TEST_P(Queue, ExpiredLeaseIsTakenOverAndTheStaleWorkerIsFenced) {
  auto id = enqueue();
  JobQueue slow("slow", 50ms), fast("fast", 60s);
  auto c = pool_->acquire().value();
  auto first = slow.claim(*c, {"build"}).value().value();
  EXPECT_EQ(first.attempt, 1);
  EXPECT_FALSE(fast.claim(*c, {"build"}).value().has_value());  // still leased
  std::this_thread::sleep_for(120ms);
  auto second = fast.claim(*c, {"build"}).value().value();
  EXPECT_EQ(second.id, id);
  EXPECT_EQ(second.attempt, 2);
  // The first worker wakes up and tries to publish: refused, and it learns its lease is gone.
  auto stale = slow.succeed(*c, first);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::conflict);
  EXPECT_FALSE(slow.renew(*c, first).value().held);
  EXPECT_TRUE(fast.renew(*c, second).value().held);
  ASSERT_TRUE(fast.succeed(*c, second));
  EXPECT_EQ(state_of(id), "succeeded");
  // Exactly one completion: a second succeed by the same holder changes nothing.
  EXPECT_FALSE(fast.succeed(*c, second));
}

TEST_P(Queue, RetryWaitsForItsBackoff) {
  auto id = enqueue();
  JobQueue q("w", 60s);
  auto c = pool_->acquire().value();
  auto j = q.claim(*c, {"build"}).value().value();
  ASSERT_TRUE(q.retry(*c, j, "flaky", 150ms));
  EXPECT_EQ(state_of(id), "queued");
  EXPECT_FALSE(q.claim(*c, {"build"}).value().has_value());
  std::this_thread::sleep_for(200ms);
  auto again = q.claim(*c, {"build"}).value().value();
  EXPECT_EQ(again.attempt, 2);
}

TEST_P(Queue, BacklogCountsTheDueQueuedJobsAndWhenTheOldestBecameDue) {
  auto c = pool_->acquire().value();
  auto const now = now_unix_ms();
  EXPECT_EQ(JobQueue::backlog(*c, now).value().due, 0);
  EXPECT_EQ(JobQueue::backlog(*c, now).value().oldest_due_ms, 0);
  ASSERT_TRUE(JobQueue::enqueue(*c, {.kind = "build", .subject = "a", .run_after_ms = now - 5000}));
  ASSERT_TRUE(JobQueue::enqueue(*c, {.kind = "build", .subject = "b", .run_after_ms = now - 1000}));
  ASSERT_TRUE(JobQueue::enqueue(*c, {.kind = "build", .subject = "later", .run_after_ms = now + 60000}));
  auto b = JobQueue::backlog(*c, now).value();
  EXPECT_EQ(b.due, 2) << "a job waiting for its backoff is not backlog yet";
  EXPECT_EQ(b.oldest_due_ms, now - 5000);
  // A running job is no longer waiting.
  JobQueue q("w", 60s);
  ASSERT_TRUE(q.claim(*c, {"build"}).value().has_value());
  b = JobQueue::backlog(*c, now).value();
  EXPECT_EQ(b.due, 1);
  EXPECT_EQ(b.oldest_due_ms, now - 1000);
}

TEST_P(Queue, CancelRequestReachesRunningAndCancelsQueued) {
  auto running = enqueue("dataset-1");
  JobQueue q("w", 60s);
  auto c = pool_->acquire().value();
  auto j = q.claim(*c, {"build"}).value().value();
  auto queued = enqueue("dataset-1");
  ASSERT_TRUE(JobQueue::request_cancel(*c, "dataset-1"));
  EXPECT_EQ(state_of(queued), "cancelled");
  auto r = q.renew(*c, j).value();
  EXPECT_TRUE(r.held);
  EXPECT_TRUE(r.cancel_requested);
  EXPECT_EQ(state_of(running), "running");
}

TEST_P(Queue, PostponeDoesNotUseAnAttempt) {
  auto id = enqueue();
  JobQueue q("w", 60s);
  auto c = pool_->acquire().value();
  auto j = q.claim(*c, {"build"}).value().value();
  ASSERT_TRUE(q.postpone(*c, j, "object store down", 50ms));
  EXPECT_EQ(state_of(id), "queued");
  std::this_thread::sleep_for(80ms);
  EXPECT_EQ(q.claim(*c, {"build"}).value().value().attempt, 1);
}

// A store down for longer than all the attempts' backoffs together: the job waits it out instead of
// failing (it did: 3 attempts were spent within the S3 breaker's 10 s), up to the pool's patience.
TEST_P(Queue, WorkerPoolWaitsOutAnOutageThenGivesUpAfterItsPatience) {
  JobQueue q("pool", 60s);
  std::atomic<int> outage_runs{0};
  auto outage = [&](JobContext&) -> Status {
    if (++outage_runs <= 6) return make_error(ErrorCode::unavailable, "Object storage is unavailable");
    return {};
  };
  auto down = [](JobContext&) -> Status {
    return make_error(ErrorCode::unavailable, "Object storage is unavailable");
  };
  std::string waited, hopeless;
  {
    auto c = pool_->acquire().value();
    waited = JobQueue::enqueue(*c, {.kind = "outage", .subject = "a", .max_attempts = 2}).value();
  }
  {
    WorkerPool workers(*pool_, q,
                       {.workers = 1, .poll = 10ms, .tick = 20ms, .backoff = 5ms, .max_backoff = 20ms});
    workers.add("outage", {outage, {}});
    workers.start();
    for (int i = 0; i < 300 && state_of(waited) != "succeeded"; ++i) std::this_thread::sleep_for(10ms);
    workers.stop();
  }
  EXPECT_EQ(state_of(waited), "succeeded");
  EXPECT_EQ(outage_runs.load(), 7);  // 6 failed runs on a job of 2 attempts, then the success
  {
    auto c = pool_->acquire().value();
    hopeless = JobQueue::enqueue(*c, {.kind = "down", .subject = "b", .max_attempts = 2}).value();
  }
  WorkerPool impatient(*pool_, q,
                       {.workers = 1, .poll = 10ms, .tick = 20ms, .backoff = 5ms, .patience = 0ms});
  impatient.add("down", {down, {}});
  impatient.start();
  for (int i = 0; i < 300 && state_of(hopeless) != "failed"; ++i) std::this_thread::sleep_for(10ms);
  impatient.stop();
  EXPECT_EQ(state_of(hopeless), "failed");
}

TEST_P(Queue, WorkerPoolRunsRetriesAndGivesUp) {
  JobQueue q("pool", 60s);
  WorkerPool workers(*pool_, q, {.workers = 2, .poll = 20ms, .tick = 20ms, .backoff = 10ms});
  std::atomic<int> ok_runs{0}, flaky_runs{0}, bad_runs{0};
  std::mutex m;
  std::vector<std::string> failures;
  workers.add("ok", {[&](JobContext&) -> Status {
                       ++ok_runs;
                       return {};
                     },
                     {}});
  workers.add("flaky", {[&](JobContext&) -> Status {
                          if (++flaky_runs < 3) return make_error(ErrorCode::unavailable, "not yet");
                          return {};
                        },
                        {}});
  workers.add("bad", {[&](JobContext&) -> Status {
                        ++bad_runs;
                        return make_error(ErrorCode::unprocessable, "corrupt", "bytes 10-20");
                      },
                      [&](db::Connection&, Job const& j, Error const& e) {
                        std::lock_guard lock(m);
                        failures.push_back(j.subject + ":" + e.message);
                      }});
  std::string ids[3];
  {
    auto c = pool_->acquire().value();
    ids[0] = JobQueue::enqueue(*c, {"ok", "a"}).value();
    ids[1] = JobQueue::enqueue(*c, {"flaky", "b"}).value();
    ids[2] = JobQueue::enqueue(*c, {"bad", "c"}).value();
  }
  workers.start();
  for (int i = 0; i < 300 && (state_of(ids[0]) != "succeeded" || state_of(ids[1]) != "succeeded" ||
                              state_of(ids[2]) != "failed");
       ++i) {
    std::this_thread::sleep_for(20ms);
  }
  workers.stop();
  EXPECT_EQ(state_of(ids[0]), "succeeded");
  EXPECT_EQ(state_of(ids[1]), "succeeded");
  EXPECT_EQ(state_of(ids[2]), "failed");
  EXPECT_EQ(ok_runs, 1);
  EXPECT_EQ(flaky_runs, 3);
  EXPECT_EQ(bad_runs, 1);  // a permanent error is not retried
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0], "c:corrupt");
}

TEST_P(Queue, WorkerPoolCancelsOnRequestAndReleasesOnShutdown) {
  JobQueue q("pool", 60s);
  WorkerPool workers(*pool_, q, {.workers = 1, .poll = 20ms, .tick = 20ms, .backoff = 10ms});
  std::atomic<int> started{0};
  workers.add("long", {[&](JobContext& ctx) -> Status {
                         ++started;
                         while (!ctx.cancel()) std::this_thread::sleep_for(5ms);
                         return make_error(ErrorCode::cancelled, "stopped");
                       },
                       {}});
  std::string a, b;
  {
    auto c = pool_->acquire().value();
    a = JobQueue::enqueue(*c, {"long", "a"}).value();
  }
  workers.start();
  while (started < 1) std::this_thread::sleep_for(5ms);
  {
    auto c = pool_->acquire().value();
    ASSERT_TRUE(JobQueue::request_cancel(*c, "a"));
  }
  for (int i = 0; i < 200 && state_of(a) != "cancelled"; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(state_of(a), "cancelled");
  {
    auto c = pool_->acquire().value();
    b = JobQueue::enqueue(*c, {"long", "b"}).value();
  }
  workers.notify();
  while (started < 2) std::this_thread::sleep_for(5ms);
  workers.stop();
  // Shutdown hands the job back for another process, without counting the attempt.
  EXPECT_EQ(state_of(b), "queued");
  auto c = pool_->acquire().value();
  EXPECT_EQ(c->query("SELECT attempts FROM jobs WHERE id = $1", {b}).value().int64(0, 0), 0);
}

// One key's backlog does not delay another key's job behind all of it: with alice's job running,
// bob's single job comes next, not alice's nine others (the queue was FIFO: bob came 11th).
TEST_P(Queue, AnotherKeysJobIsNotQueuedBehindOneKeysBacklog) {
  for (int i = 0; i < 10; ++i) enqueue_for("alice");
  enqueue_for("bob");
  JobQueue q("w", 60s);
  auto c = pool_->acquire().value();
  EXPECT_EQ(claim_key(q, *c), "alice");  // both idle and never served: the older job
  EXPECT_EQ(claim_key(q, *c), "bob");    // fewer running jobs
  EXPECT_EQ(claim_key(q, *c), "alice");
}

// One worker finishing each job before the next claim: keys take turns (the least recently served
// first), FIFO within a key, and a key that has run dry drops out.
TEST_P(Queue, OneWorkerServesKeysInTurn) {
  for (int i = 0; i < 3; ++i) enqueue_for("alice");
  for (int i = 0; i < 3; ++i) enqueue_for("bob");
  enqueue_for("carol");
  JobQueue q("w", 60s);
  auto c = pool_->acquire().value();
  std::vector<std::string> order;
  std::vector<Job> held;
  while (true) {
    auto key = claim_key(q, *c, &held);
    if (key.empty()) break;
    order.push_back(key);
    ASSERT_TRUE(q.succeed(*c, held.back()));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"alice", "bob", "carol", "alice", "bob", "alice", "bob"}));
}

// A key at its cap waits (its jobs stay queued, nothing is refused) while other keys run; a slot
// that frees up goes to it again. The system's own work (empty key) is never capped.
TEST_P(Queue, AKeyAtItsCapWaitsWhileOthersRun) {
  for (int i = 0; i < 3; ++i) enqueue_for("alice");
  enqueue_for("bob");
  for (int i = 0; i < 3; ++i) enqueue_for("");
  JobQueue q("w", 60s, 1);
  auto c = pool_->acquire().value();
  std::vector<Job> held;
  for (auto before = held.size() + 1; held.size() != before;) {
    before = held.size();
    claim_key(q, *c, &held);
  }
  std::multiset<std::string> keys;
  for (auto const& j : held) keys.insert(j.fairness_key);
  // alice 1 + bob 1 + the system's 3; alice's other two are still queued.
  EXPECT_EQ(keys, (std::multiset<std::string>{"alice", "bob", "", "", ""}));
  EXPECT_EQ(JobQueue::counts(*c).value().queued, 2);
  auto alice = std::find_if(held.begin(), held.end(), [](Job const& j) { return j.fairness_key == "alice"; });
  ASSERT_NE(alice, held.end());
  ASSERT_TRUE(q.succeed(*c, *alice));
  EXPECT_EQ(claim_key(q, *c, &held), "alice");
  auto const claimed = held.size();
  claim_key(q, *c, &held);
  EXPECT_EQ(held.size(), claimed);  // alice is at her cap again
}

// The cap holds when several claimers race (several instances on one database): each key gets
// exactly its one slot, never two.
TEST_P(Queue, TheCapHoldsAcrossConcurrentClaimers) {
  for (int i = 0; i < 6; ++i) {
    enqueue_for("alice");
    enqueue_for("bob");
  }
  std::mutex m;
  std::multiset<std::string> claimed;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      JobQueue q("worker-" + std::to_string(t), 60s, 1);
      auto c = pool_->acquire().value();
      for (int idle = 0; idle < 10;) {
        auto j = q.claim(*c, {"build"});
        if (!j) continue;  // SQLite busy under contention: try again
        if (!*j) {
          ++idle;
          std::this_thread::sleep_for(2ms);
          continue;
        }
        std::lock_guard lock(m);
        claimed.insert((*j)->fairness_key);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(claimed, (std::multiset<std::string>{"alice", "bob"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, Queue, ::testing::Values(db::Dialect::sqlite, db::Dialect::postgres),
                         db::testing::backend_name);

// PostgreSQL only (SQLite has one writer at a time, so there is nothing to skip): a job locked by
// another claimer's open transaction is skipped, not waited for, so concurrent workers each get a
// different job at once. Without SKIP LOCKED this claim would block until the lock is released.
class PostgresQueue : public Queue {};

TEST_P(PostgresQueue, ClaimSkipsAJobLockedByAnotherClaimer) {
  auto first = enqueue("first");
  std::this_thread::sleep_for(5ms);  // a later created_at: "first" is the preferred candidate
  auto second = enqueue("second");
  auto holder = pool_->acquire().value();
  std::optional<db::Transaction> tx(db::Transaction::begin(*holder, true).value());
  ASSERT_TRUE(holder->query("SELECT id FROM jobs WHERE id = $1 FOR UPDATE", {first}));

  auto claimer = pool_->acquire().value();
  auto claimed =
      std::async(std::launch::async, [&] { return JobQueue("w", 60s).claim(*claimer, {"build"}); });
  bool answered = claimed.wait_for(3s) == std::future_status::ready;
  tx.reset();  // rolls back: the lock is gone, so a blocked claim (the failure) can finish too
  auto job = claimed.get();
  ASSERT_TRUE(answered) << "the claim waited for a locked job instead of skipping it";
  ASSERT_TRUE(job.has_value());
  ASSERT_TRUE(job->has_value());
  EXPECT_EQ((*job)->id, second);
}

INSTANTIATE_TEST_SUITE_P(Backends, PostgresQueue, ::testing::Values(db::Dialect::postgres),
                         db::testing::backend_name);

}  // namespace
}  // namespace astropixel::jobs
