#pragma once
// Periodic work (expiry sweeps) as durable jobs. Every period each process that can run a kind
// offers that period's job. The job's id names the kind and the period, so however many instances
// offer it the queue holds it once; one worker claims it, and if its process dies the job is taken
// over when its lease runs out. While a job of the kind is queued or running no other is offered,
// so runs never overlap even across a period boundary.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "db/pool.hpp"

namespace astropixel::jobs {

struct PeriodicJob {
  std::string kind;
  std::chrono::milliseconds every{60'000};
  int max_attempts = 3;
};

// The id of `job`'s run for the period holding `now_ms`.
std::string periodic_job_id(PeriodicJob const& job, std::int64_t now_ms);

// Queues the run for the period holding `now_ms`, unless it exists or a job of the kind is still
// queued or running; true when this call queued it. Finished runs older than ten periods are
// forgotten, so the table holds a few rows per kind, not one per period for ever.
Result<bool> offer_periodic(db::Connection& conn, PeriodicJob const& job, std::int64_t now_ms);

// A thread that offers each job twice per its period, the first time half a period after start. `offered` is
// called when this process queued one (to wake its workers).
class PeriodicOffers {
 public:
  PeriodicOffers(db::Pool& pool, std::vector<PeriodicJob> jobs, std::function<void()> offered);
  ~PeriodicOffers();
  PeriodicOffers(PeriodicOffers const&) = delete;
  PeriodicOffers& operator=(PeriodicOffers const&) = delete;
  void start();
  void stop();

 private:
  void run();
  db::Pool& pool_;
  std::vector<PeriodicJob> jobs_;
  std::function<void()> offered_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace astropixel::jobs
