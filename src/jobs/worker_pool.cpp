#include "jobs/worker_pool.hpp"

#include <algorithm>
#include <optional>

#include "core/log.hpp"

namespace astropixel::jobs {

WorkerPool::WorkerPool(db::Pool& pool, JobQueue& queue, Options options)
    : pool_(pool), queue_(queue), options_(options) {}

WorkerPool::~WorkerPool() {
  stop();
}

void WorkerPool::add(std::string kind, JobHandler handler) {
  kinds_.push_back(kind);
  handlers_.emplace(std::move(kind), std::move(handler));
}

void WorkerPool::start() {
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { work(); });
  keeper_ = std::thread([this] { keep_leases(); });
}

void WorkerPool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (workers_done_) return;
    stopping_ = true;
    for (auto& [id, a] : active_) {
      a->shutdown = true;
      a->cancel = true;
    }
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  {
    std::lock_guard lock(mutex_);
    workers_done_ = true;
  }
  keeper_wake_.notify_all();
  if (keeper_.joinable()) keeper_.join();
}

void WorkerPool::notify() {
  {
    std::lock_guard lock(mutex_);
    ++generation_;
  }
  wake_.notify_one();
}

WorkerPool::Stats WorkerPool::stats() const {
  std::lock_guard lock(mutex_);
  Stats s = stats_;
  s.running = static_cast<int>(active_.size());
  return s;
}

void WorkerPool::work() {
  while (true) {
    std::uint64_t seen;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      seen = generation_;
    }
    bool ran = false;
    if (auto conn = pool_.acquire()) {
      auto claimed = queue_.claim(**conn, kinds_);
      if (!claimed) {
        log::warn("job_claim_failed", {{"detail", claimed.error().detail}});
      } else if (*claimed) {
        run_one(**conn, std::move(**claimed));
        ran = true;
      }
    }
    if (ran) continue;  // there may be more
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, options_.poll, [&] { return stopping_ || generation_ != seen; });
  }
}

// A job that failed because what it worked on was deleted under it was cancelled, not broken.
bool WorkerPool::cancel_requested(db::Connection& conn, Job const& job) {
  auto r = queue_.renew(conn, job);
  return r && r->held && r->cancel_requested;
}

void WorkerPool::run_one(db::Connection& conn, Job job) {
  auto const& handler = handlers_.at(job.kind);
  auto active = std::make_shared<Active>();
  active->job = job;
  {
    std::lock_guard lock(mutex_);
    active_[job.id] = active;
    ++stats_.started;
    if (stopping_) active->cancel = active->shutdown = true;
  }
  log::info("job_started",
            {{"job", job.id}, {"kind", job.kind}, {"subject", job.subject}, {"attempt", job.attempt}});
  auto t0 = std::chrono::steady_clock::now();

  auto give_up = [&](Error const& e) {
    if (auto s = queue_.fail(conn, job, e.message + (e.detail.empty() ? "" : ": " + e.detail)); !s)
      return false;
    if (handler.failed) handler.failed(conn, job, e);
    return true;
  };

  Status result;
  JobContext ctx(job, conn, queue_, active->cancel);
  if (job.attempt > job.max_attempts) {
    // Its earlier runs all died without finishing (crash, kill -9): stop trying.
    result = make_error(ErrorCode::internal, "The job was given up",
                        "no run finished in " + std::to_string(job.max_attempts) + " attempts");
  } else {
    try {
      result = handler.run(ctx);
    } catch (std::exception const& e) {
      result = make_error(ErrorCode::internal, "The job failed unexpectedly", e.what());
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::string outcome;
  if (result) {
    Status s = ctx.succeeded() ? Status{} : queue_.succeed(conn, job);
    outcome = s ? "succeeded" : "lease_lost";
  } else if (result.error().code == ErrorCode::cancelled || active->cancel || cancel_requested(conn, job)) {
    if (active->shutdown) {
      outcome = queue_.release(conn, job) ? "released" : "lease_lost";
    } else {
      auto s = queue_.cancelled(conn, job);
      outcome = s ? "cancelled" : "lease_lost";
    }
  } else {
    auto const& e = result.error();
    bool transient = e.code == ErrorCode::unavailable || e.code == ErrorCode::internal;
    bool attempts_left = job.attempt < job.max_attempts;
    std::optional<std::chrono::milliseconds> wait_out;
    if (e.code == ErrorCode::unavailable) {
      std::lock_guard lock(mutex_);
      auto now = std::chrono::steady_clock::now();
      auto& w = waiting_.try_emplace(job.id, Waiting{now, 0}).first->second;
      if (now - w.since < options_.patience) {
        wait_out = std::min(options_.max_backoff, options_.backoff * (1 << std::min(w.times, 10)));
        ++w.times;
      }
    }
    if (wait_out) {
      auto s = queue_.postpone(conn, job, e.message + ": " + e.detail, *wait_out);
      outcome = s ? "postponed" : "lease_lost";
    } else if (transient && attempts_left) {
      auto delay = options_.backoff * (1 << std::min(job.attempt - 1, 10));
      auto s = queue_.retry(conn, job, e.message + ": " + e.detail, delay);
      outcome = s ? "retry" : "lease_lost";
    } else {
      outcome = give_up(e) ? "failed" : "lease_lost";
    }
    log::warn("job_error", {{"job", job.id},
                            {"kind", job.kind},
                            {"code", e.machine_code()},
                            {"message", e.message},
                            {"detail", e.detail}});
  }
  log::info("job_finished", {{"job", job.id},
                             {"kind", job.kind},
                             {"subject", job.subject},
                             {"outcome", outcome},
                             {"seconds", seconds}});
  std::lock_guard lock(mutex_);
  active_.erase(job.id);
  if (outcome != "postponed") waiting_.erase(job.id);
  if (outcome == "succeeded")
    ++stats_.succeeded;
  else if (outcome == "failed")
    ++stats_.failed;
  else if (outcome == "retry" || outcome == "postponed")
    ++stats_.retried;
  else if (outcome == "cancelled")
    ++stats_.cancelled;
  else if (outcome == "lease_lost")
    ++stats_.lost;
}

void WorkerPool::keep_leases() {
  while (true) {
    std::vector<std::shared_ptr<Active>> running;
    {
      std::unique_lock lock(mutex_);
      keeper_wake_.wait_for(lock, options_.tick, [&] { return workers_done_; });
      if (workers_done_) return;
      for (auto& [id, a] : active_) running.push_back(a);
    }
    if (running.empty()) continue;
    auto conn = pool_.acquire();
    if (!conn) {
      log::warn("job_lease_renewal_failed", {{"detail", conn.error().detail}});
      continue;
    }
    for (auto& a : running) {
      auto r = queue_.renew(**conn, a->job);
      if (!r) {
        // The database is unreachable: keep running; the lease will be retried next tick and, if
        // it expires meanwhile, the final fenced write refuses to publish.
        log::warn("job_lease_renewal_failed", {{"job", a->job.id}, {"detail", r.error().detail}});
        continue;
      }
      if (!r->held && !a->cancel) {
        log::warn("job_lease_lost", {{"job", a->job.id}});
        a->cancel = true;
      } else if (r->cancel_requested && !a->cancel) {
        log::info("job_cancel_requested", {{"job", a->job.id}});
        a->cancel = true;
      }
    }
  }
}

}  // namespace astropixel::jobs
