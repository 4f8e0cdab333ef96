#pragma once
// The job table as a queue: claim with a lease, renew it, finish fenced by the lease token.
// Every call takes the connection to run on, so a caller can enqueue inside its own transaction
// (a dataset and its build job appear together or not at all) and a worker can keep one connection
// for a job's whole life. One SQL text serves SQLite and PostgreSQL; a claim is an UPDATE that
// re-checks its own WHERE clause, so two workers racing for a row cannot both win.
//
// Fairness (ADR 0019): a claim serves the fairness key (whose work it is) with the fewest running
// jobs, then the one served least recently, FIFO within a key; a key already running
// `max_running_per_key` jobs waits. On PostgreSQL claims are serialised by a transaction-scoped
// advisory lock, so instances claiming at once cannot both take a key's last free slot.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "db/connection.hpp"
#include "jobs/job.hpp"

namespace astropixel::jobs {

class JobQueue {
 public:
  // `owner` names this process in the table (for operators); `lease` is how long a claim lasts
  // without renewal before another worker may take the job over.
  // `max_running_per_key` caps the running jobs of one non-empty fairness key (0 = no cap); its
  // further jobs stay queued until one ends.
  JobQueue(std::string owner, std::chrono::milliseconds lease, int max_running_per_key = 0)
      : owner_(std::move(owner)), lease_(lease), max_running_per_key_(max_running_per_key) {}

  std::chrono::milliseconds lease() const { return lease_; }
  std::string const& owner() const { return owner_; }

  // Returns the new job's id.
  static Result<std::string> enqueue(db::Connection& conn, NewJob const& job);

  // The next runnable job of one of `kinds` (queued and due, or running with an expired lease: its
  // worker died), chosen fairly across fairness keys (see above); within a key the oldest. Its
  // attempt counter is incremented and its claim time recorded (the key's "last served").
  Result<std::optional<Job>> claim(db::Connection& conn, std::vector<std::string> const& kinds);

  struct Renewal {
    bool held = false;              // false: the lease passed to someone else, or the job ended
    bool cancel_requested = false;  // someone asked the job to stop
  };
  Result<Renewal> renew(db::Connection& conn, Job const& job);

  // Marks the job succeeded if this worker still holds it. Errors: conflict (lease lost). Call it
  // inside the transaction that publishes the job's result so both happen or neither does.
  Status succeed(db::Connection& conn, Job const& job);
  // Failed for good. Errors: conflict (lease lost).
  Status fail(db::Connection& conn, Job const& job, std::string const& error);
  // Back to the queue to run again after `delay` (a transient failure). Errors: conflict.
  Status retry(db::Connection& conn, Job const& job, std::string const& error,
               std::chrono::milliseconds delay);
  // As retry, but the run does not count as an attempt: something it needs (the database, the
  // object store) was down, which says nothing about the job itself.
  Status postpone(db::Connection& conn, Job const& job, std::string const& error,
                  std::chrono::milliseconds delay);
  // Back to the queue at once without counting the attempt (this process is shutting down).
  Status release(db::Connection& conn, Job const& job);
  // Stopped on request. Errors: conflict.
  Status cancelled(db::Connection& conn, Job const& job);

  // Asks every unfinished job about `subject` to stop; queued ones are cancelled at once.
  static Status request_cancel(db::Connection& conn, std::string const& subject);

  struct Counts {
    std::int64_t queued = 0, running = 0, succeeded = 0, failed = 0, cancelled = 0;
  };
  // Jobs by state: of one kind, or of every kind when `kind` is empty.
  static Result<Counts> counts(db::Connection& conn, std::string const& kind = {});

  // The jobs waiting for a worker now: queued and due at `now_ms` (Unix ms). `oldest_due_ms` is
  // when the longest-waiting of them became due (0 when none waits). For operators' alerts: a
  // backlog that only grows means too few workers, or workers that cannot claim.
  struct Backlog {
    std::int64_t due = 0;
    std::int64_t oldest_due_ms = 0;
  };
  static Result<Backlog> backlog(db::Connection& conn, std::int64_t now_ms);

 private:
  Status fenced(db::Connection& conn, Job const& job, std::string_view sql, std::vector<db::Value> params);
  std::string owner_;
  std::chrono::milliseconds lease_;
  int max_running_per_key_ = 0;
};

std::string_view to_string(JobState s);

}  // namespace astropixel::jobs
