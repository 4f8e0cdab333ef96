#include "jobs/periodic.hpp"

#include <algorithm>

#include "core/clock.hpp"
#include "core/log.hpp"

namespace astropixel::jobs {

std::string periodic_job_id(PeriodicJob const& job, std::int64_t now_ms) {
  auto const every = std::max<std::int64_t>(1, job.every.count());
  return "periodic:" + job.kind + ":" + std::to_string(now_ms / every);
}

Result<bool> offer_periodic(db::Connection& conn, PeriodicJob const& job, std::int64_t now_ms) {
  // One statement, so the "none unfinished" test and the insert see the same table; instances
  // offering the same period at once collide on the id and all but one insert nothing.
  auto r = conn.query(
      "INSERT INTO jobs (id, kind, subject, payload, max_attempts, run_after, created_at, updated_at, "
      "fairness_key) SELECT $1, $2, '', '{}', CAST($3 AS INTEGER), CAST($4 AS BIGINT), CAST($4 AS BIGINT), "
      "CAST($4 AS BIGINT), '' WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE kind = $2 AND state IN ('queued', "
      "'running')) ON CONFLICT (id) DO NOTHING",
      {periodic_job_id(job, now_ms), job.kind, std::int64_t{job.max_attempts}, now_ms});
  if (!r) return r.error();
  auto old = conn.query(
      "DELETE FROM jobs WHERE kind = $1 AND state IN ('succeeded', 'failed', 'cancelled') AND updated_at < "
      "$2",
      {job.kind, now_ms - 10 * job.every.count()});
  if (!old) return old.error();
  return r->affected > 0;
}

PeriodicOffers::PeriodicOffers(db::Pool& pool, std::vector<PeriodicJob> jobs, std::function<void()> offered)
    : pool_(pool), jobs_(std::move(jobs)), offered_(std::move(offered)) {}

PeriodicOffers::~PeriodicOffers() {
  stop();
}

void PeriodicOffers::start() {
  if (jobs_.empty() || thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void PeriodicOffers::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PeriodicOffers::run() {
  auto shortest = std::min_element(jobs_.begin(), jobs_.end(), [](auto const& a, auto const& b) {
                    return a.every < b.every;
                  })->every;
  std::unique_lock lock(mutex_);
  // Twice per the shortest period, so no period of any kind is skipped by drift; the first offer
  // comes after half a period, not at start-up, so a restart does not add a run.
  while (!wake_.wait_for(lock, shortest / 2, [this] { return stopping_; })) {
    lock.unlock();
    bool queued = false;
    if (auto conn = pool_.acquire()) {
      for (auto const& job : jobs_) {
        auto r = offer_periodic(**conn, job, now_unix_ms());
        if (!r) {
          log::warn("periodic_job_not_offered", {{"kind", job.kind}, {"detail", r.error().detail}});
        } else {
          queued = queued || *r;
        }
      }
    } else {
      log::warn("periodic_job_not_offered", {{"detail", conn.error().detail}});
    }
    if (queued && offered_) offered_();
    lock.lock();
  }
}

}  // namespace astropixel::jobs
