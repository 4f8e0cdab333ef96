#pragma once
// A durable unit of background work. The queue knows nothing of what a job does: `kind` selects a
// handler registered at start-up, `subject` names what it works on (a dataset id), `payload` is the
// handler's own JSON. `fairness_key` is an opaque name of whose work it is (the domain passes a
// user id): the queue shares workers fairly across keys and caps each key's running jobs.
#include <cstdint>
#include <string>

namespace astropixel::jobs {

struct NewJob {
  std::string kind;
  std::string subject;
  std::string payload = "{}";
  int max_attempts = 3;
  std::int64_t run_after_ms = 0;  // Unix ms; 0 = now
  std::string fairness_key{};     // empty = the system's own work (never capped)
};

// A job claimed by this process. `lease_token` fences every later write: once the lease has passed
// to another worker, writes carrying the old token change nothing.
struct Job {
  std::string id, kind, subject, payload, fairness_key;
  std::string lease_token;
  int attempt = 0;  // 1 for the first run
  int max_attempts = 0;
};

enum class JobState { queued, running, succeeded, failed, cancelled };

}  // namespace astropixel::jobs
