#pragma once
// Worker threads that claim jobs from the queue and run the handler registered for their kind.
// Each running job holds one pooled DB connection for its whole life (never shared across
// threads); a lease keeper renews every running job's lease once a second and turns a lost lease
// or a cancel request into the job's cancel flag. Handlers run synchronously on the worker thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "db/pool.hpp"
#include "jobs/job_queue.hpp"

namespace astropixel::jobs {

// What a handler sees of its job.
class JobContext {
 public:
  JobContext(Job job, db::Connection& db, JobQueue& queue, std::atomic<bool> const& cancel)
      : job_(std::move(job)), db_(db), queue_(queue), cancel_(cancel) {}
  Job const& job() const { return job_; }
  // The job's own connection, held from claim to finish.
  db::Connection& db() { return db_; }
  // Set when the job should stop: cancel requested, lease lost, or shutdown.
  std::atomic<bool> const& cancel() const { return cancel_; }
  // Marks the job succeeded, fenced by its lease; call inside the transaction that publishes the
  // result. Errors: conflict (lease lost: publish nothing).
  Status succeed() {
    auto s = queue_.succeed(db_, job_);
    if (s) succeeded_ = true;
    return s;
  }
  bool succeeded() const { return succeeded_; }

 private:
  Job job_;
  db::Connection& db_;
  JobQueue& queue_;
  std::atomic<bool> const& cancel_;
  bool succeeded_ = false;
};

struct JobHandler {
  // Runs the job. Returning success without having called ctx.succeed() marks the job succeeded.
  // Errors: cancelled (stopped on request), unavailable/internal (transient: retried with backoff
  // while attempts remain), anything else (failed for good).
  std::function<Status(JobContext&)> run;
  // Called once when the job is given up for good (after the last attempt, or a permanent error),
  // on the job's connection, so the domain can record why.
  std::function<void(db::Connection&, Job const&, Error const&)> failed;
};

class WorkerPool {
 public:
  struct Options {
    int workers = 1;
    std::chrono::milliseconds poll{1000};
    std::chrono::milliseconds tick{1000};     // lease renewal and cancel check period
    std::chrono::milliseconds backoff{2000};  // first retry delay, doubled per attempt
    // A job failing with `unavailable` (a store or database down) waits for it instead of using up
    // its attempts: postponed with the backoff doubled each time up to `max_backoff`, for as long as
    // `patience` since its first such failure in this process; after that it retries as any error.
    std::chrono::milliseconds max_backoff{std::chrono::seconds(15)};
    std::chrono::milliseconds patience{std::chrono::minutes(15)};
  };
  WorkerPool(db::Pool& pool, JobQueue& queue, Options options);
  ~WorkerPool();

  void add(std::string kind, JobHandler handler);
  void start();
  // Cancels running jobs, hands them back to the queue for another process, joins the threads.
  void stop();
  // Wakes an idle worker (a job was just enqueued by this process).
  void notify();

  struct Stats {
    std::uint64_t started = 0, succeeded = 0, failed = 0, retried = 0, cancelled = 0, lost = 0;
    int running = 0;
  };
  Stats stats() const;

 private:
  struct Active {
    Job job;
    std::atomic<bool> cancel{false};
    bool shutdown = false;
  };
  void work();
  void keep_leases();
  void run_one(db::Connection& conn, Job job);
  bool cancel_requested(db::Connection& conn, Job const& job);

  db::Pool& pool_;
  JobQueue& queue_;
  Options options_;
  std::map<std::string, JobHandler> handlers_;
  std::vector<std::string> kinds_;
  std::vector<std::thread> threads_;
  std::thread keeper_;
  mutable std::mutex mutex_;
  std::condition_variable wake_, keeper_wake_;
  bool stopping_ = false, workers_done_ = false;
  std::uint64_t generation_ = 0;  // bumped by notify()
  std::map<std::string, std::shared_ptr<Active>> active_;
  // Jobs waiting out an outage: since when, and how many times postponed (for the backoff).
  struct Waiting {
    std::chrono::steady_clock::time_point since;
    int times = 0;
  };
  std::map<std::string, Waiting> waiting_;
  Stats stats_;
};

}  // namespace astropixel::jobs
