// `astropixel worker`: runs background jobs (pyramid builds, dataset expiry) without HTTP. Any number of
// workers on any number of machines share one job table: a job is claimed with a lease, so each runs once,
// and a crashed worker's job is taken over when its lease expires.
#include <pthread.h>

#include <csignal>
#include <iostream>

#include "app/commands.hpp"
#include "app/job_runtime.hpp"
#include "app/services.hpp"
#include "app/version.hpp"
#include "core/log.hpp"
#include "core/process_stats.hpp"

namespace astropixel::app {

int run_worker(CommonOptions const& common, int concurrency) {
  auto cfg = configure(common.config_file);
  if (!cfg) return 2;
  // A worker exists to run jobs: WORKERS=0 (serve instances that leave jobs to workers) means one.
  cfg->workers = concurrency > 0 ? concurrency : std::max(1, cfg->workers);

  // The signals are waited for below; block them before any thread starts so none of them gets one.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto pool = open_database(*cfg);
  if (!pool) return 3;
  auto backend = open_blob_store(*cfg);
  if (!backend) return 3;
  auto free_at = [](std::filesystem::path const& dir) -> Result<std::uint64_t> {
    auto f = free_disk_bytes(dir.c_str());
    if (!f) return make_error(ErrorCode::unavailable, "Cannot read free disk space", dir.string());
    return *f;
  };
  JobRuntime jobs(*cfg, *pool, *backend->store, backend->build_disk, free_at);
  log::info("worker_starting",
            {{"version", version()},
             {"workers", cfg->workers},
             {"database", pool->dialect() == db::Dialect::sqlite ? "sqlite" : "postgresql"}});
  jobs.start();

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log::info("shutdown_requested", {{"signal", sig}});
  // Running jobs are handed back (their lease released) so another worker resumes them at once.
  jobs.stop();
  log::info("shutdown_complete", {});
  return 0;
}

}  // namespace astropixel::app
