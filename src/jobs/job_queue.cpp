#include "jobs/job_queue.hpp"

#include "core/clock.hpp"
#include "core/error_catalogue.hpp"
#include "core/ids.hpp"

namespace astropixel::jobs {
namespace {

// Error text kept in the table is for operators; bounded so a runaway message cannot bloat a row.
std::string clip(std::string const& s) {
  return s.size() <= 2000 ? s : s.substr(0, 2000);
}

}  // namespace

std::string_view to_string(JobState s) {
  switch (s) {
    case JobState::queued:
      return "queued";
    case JobState::running:
      return "running";
    case JobState::succeeded:
      return "succeeded";
    case JobState::failed:
      return "failed";
    case JobState::cancelled:
      return "cancelled";
  }
  return "unknown";
}

Result<std::string> JobQueue::enqueue(db::Connection& conn, NewJob const& job) {
  auto id = random_id();
  auto now = now_unix_ms();
  auto r = conn.query(
      "INSERT INTO jobs (id, kind, subject, payload, max_attempts, run_after, created_at, updated_at, "
      "fairness_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
      {id, job.kind, job.subject, job.payload, std::int64_t{job.max_attempts},
       job.run_after_ms ? job.run_after_ms : now, now, job.fairness_key});
  if (!r) return r.error();
  return id;
}

Result<std::optional<Job>> JobQueue::claim(db::Connection& conn, std::vector<std::string> const& kinds) {
  if (kinds.empty()) return std::optional<Job>{};
  auto now = now_unix_ms();
  std::string token = random_id();
  std::vector<db::Value> params{owner_, token, now + lease_.count(), now, std::int64_t{max_running_per_key_}};
  std::string in;
  for (auto const& k : kinds) {
    params.emplace_back(k);
    in += (in.empty() ? "$" : ", $") + std::to_string(params.size());
  }
  bool const postgres = conn.dialect() == db::Dialect::postgres;
  // The runnable condition appears twice on purpose: the sub-select picks a candidate, the outer
  // WHERE re-checks it at update time, so a concurrent claimer that got there first makes this
  // UPDATE change nothing instead of stealing the row. On PostgreSQL the candidate is also locked
  // with SKIP LOCKED, so a row held by another writer (a renewal, a cancel) is passed over rather
  // than waited for (SQLite has one writer at a time: the re-check is enough there).
  auto runnable = [](std::string_view t) {
    std::string p(t);
    return "((" + p + ".state = 'queued' AND " + p + ".run_after <= $4) OR (" + p +
           ".state = 'running' AND " + p + ".lease_expires_at < $4))";
  };
  // Fairness: the key with the fewest live running jobs first, then the key served least recently
  // (its newest claim), then FIFO within the key. A job with an expired lease does not count as
  // running: it is the one being taken over. The empty key (the system's own work) is never capped.
  std::string const running_of_key =
      "(SELECT COUNT(*) FROM jobs r WHERE r.fairness_key = c.fairness_key AND r.state = 'running' AND "
      "r.lease_expires_at >= $4)";
  std::string const served_of_key =
      "(SELECT COALESCE(MAX(s.claimed_at), 0) FROM jobs s WHERE s.fairness_key = c.fairness_key)";
  auto sql =
      "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1, lease_token = $2, "
      "lease_expires_at = $3, updated_at = $4, claimed_at = $4 "
      "WHERE id = (SELECT c.id FROM jobs c WHERE " +
      runnable("c") + " AND c.kind IN (" + in + ") AND ($5 = 0 OR c.fairness_key = '' OR " + running_of_key +
      " < $5) ORDER BY " + running_of_key + ", " + served_of_key + ", c.run_after, c.created_at LIMIT 1" +
      (postgres ? " FOR UPDATE OF c SKIP LOCKED" : "") + ") AND " + runnable("jobs") +
      " RETURNING id, kind, subject, payload, attempts, max_attempts, fairness_key";
  // The per-key count and the choice must not interleave with another instance's claim, or two
  // claimers could each see a free slot and take the same key past its cap. SQLite serialises
  // writers and this is one statement; PostgreSQL's READ COMMITTED does not, so its claims take
  // one transaction-scoped advisory lock (held for the few milliseconds of this UPDATE).
  std::optional<db::Transaction> tx;
  if (postgres) {
    auto t = db::Transaction::begin(conn, true);
    if (!t) return t.error();
    tx.emplace(std::move(*t));
    if (auto l = conn.query("SELECT pg_advisory_xact_lock(7270019)"); !l) return l.error();
  }
  auto r = conn.query(sql, params);
  if (!r) return r.error();
  if (tx) {
    if (auto s = tx->commit(); !s) return s.error();
  }
  if (r->empty()) return std::optional<Job>{};
  Job j;
  j.id = r->text(0, 0);
  j.kind = r->text(0, 1);
  j.subject = r->text(0, 2);
  j.payload = r->text(0, 3);
  j.attempt = static_cast<int>(r->int64(0, 4));
  j.max_attempts = static_cast<int>(r->int64(0, 5));
  j.fairness_key = r->text(0, 6);
  j.lease_token = token;
  return std::optional<Job>{std::move(j)};
}

Result<JobQueue::Renewal> JobQueue::renew(db::Connection& conn, Job const& job) {
  auto now = now_unix_ms();
  auto r = conn.query(
      "UPDATE jobs SET lease_expires_at = $1, updated_at = $2 WHERE id = $3 AND lease_token = $4 AND state = "
      "'running' RETURNING cancel_requested",
      {now + lease_.count(), now, job.id, job.lease_token});
  if (!r) return r.error();
  Renewal out;
  if (!r->empty()) {
    out.held = true;
    out.cancel_requested = r->int64(0, 0) != 0;
  }
  return out;
}

Status JobQueue::fenced(db::Connection& conn, Job const& job, std::string_view sql,
                        std::vector<db::Value> params) {
  params.emplace_back(job.id);
  params.emplace_back(job.lease_token);
  auto n = params.size();
  auto full = std::string(sql) + " WHERE id = $" + std::to_string(n - 1) + " AND lease_token = $" +
              std::to_string(n) + " AND state = 'running'";
  auto r = conn.query(full, params);
  if (!r) return r.error();
  if (r->affected == 0) {
    Error e = make_error(ErrorCode::conflict, "The job's lease was lost", "job " + job.id);
    e.reason = errc::lease_lost.code;
    return e;
  }
  return {};
}

Status JobQueue::succeed(db::Connection& conn, Job const& job) {
  auto now = now_unix_ms();
  return fenced(conn, job,
                "UPDATE jobs SET state = 'succeeded', updated_at = $1, finished_at = $1, last_error = ''",
                {now});
}

Status JobQueue::fail(db::Connection& conn, Job const& job, std::string const& error) {
  auto now = now_unix_ms();
  return fenced(conn, job,
                "UPDATE jobs SET state = 'failed', updated_at = $1, finished_at = $1, last_error = $2",
                {now, clip(error)});
}

Status JobQueue::retry(db::Connection& conn, Job const& job, std::string const& error,
                       std::chrono::milliseconds delay) {
  auto now = now_unix_ms();
  return fenced(conn, job,
                "UPDATE jobs SET state = 'queued', updated_at = $1, run_after = $2, last_error = $3, "
                "lease_token = '', lease_expires_at = 0",
                {now, now + delay.count(), clip(error)});
}

Status JobQueue::postpone(db::Connection& conn, Job const& job, std::string const& error,
                          std::chrono::milliseconds delay) {
  auto now = now_unix_ms();
  return fenced(conn, job,
                "UPDATE jobs SET state = 'queued', updated_at = $1, run_after = $2, last_error = $3, "
                "attempts = attempts - 1, lease_token = '', lease_expires_at = 0",
                {now, now + delay.count(), clip(error)});
}

Status JobQueue::release(db::Connection& conn, Job const& job) {
  auto now = now_unix_ms();
  return fenced(conn, job,
                "UPDATE jobs SET state = 'queued', updated_at = $1, run_after = $1, attempts = attempts - 1, "
                "lease_token = '', lease_expires_at = 0",
                {now});
}

Status JobQueue::cancelled(db::Connection& conn, Job const& job) {
  auto now = now_unix_ms();
  return fenced(conn, job, "UPDATE jobs SET state = 'cancelled', updated_at = $1, finished_at = $1", {now});
}

Status JobQueue::request_cancel(db::Connection& conn, std::string const& subject) {
  auto now = now_unix_ms();
  if (auto r = conn.query("UPDATE jobs SET state = 'cancelled', updated_at = $1, finished_at = $1 "
                          "WHERE subject = $2 AND state = 'queued'",
                          {now, subject});
      !r) {
    return r.error();
  }
  auto r = conn.query(
      "UPDATE jobs SET cancel_requested = 1, updated_at = $1 WHERE subject = $2 AND state = 'running'",
      {now, subject});
  if (!r) return r.error();
  return {};
}

Result<JobQueue::Counts> JobQueue::counts(db::Connection& conn, std::string const& kind) {
  auto r = kind.empty()
               ? conn.query("SELECT state, COUNT(*) FROM jobs GROUP BY state")
               : conn.query("SELECT state, COUNT(*) FROM jobs WHERE kind = $1 GROUP BY state", {kind});
  if (!r) return r.error();
  Counts c;
  for (std::size_t i = 0; i < r->rows.size(); ++i) {
    auto const& s = r->text(i, 0);
    auto n = r->int64(i, 1);
    if (s == "queued")
      c.queued = n;
    else if (s == "running")
      c.running = n;
    else if (s == "succeeded")
      c.succeeded = n;
    else if (s == "failed")
      c.failed = n;
    else if (s == "cancelled")
      c.cancelled = n;
  }
  return c;
}

Result<JobQueue::Backlog> JobQueue::backlog(db::Connection& conn, std::int64_t now_ms) {
  // Served by the jobs_ready index (state, run_after): it reads the waiting rows, never the history.
  auto r = conn.query("SELECT COUNT(*), MIN(run_after) FROM jobs WHERE state = 'queued' AND run_after <= $1",
                      {now_ms});
  if (!r) return r.error();
  Backlog b;
  if (r->empty()) return b;
  b.due = r->int64(0, 0);
  if (!r->is_null(0, 1)) b.oldest_due_ms = r->int64(0, 1);
  return b;
}

}  // namespace astropixel::jobs
