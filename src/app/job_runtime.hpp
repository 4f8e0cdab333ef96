#pragma once
// What runs background jobs: the job queue, a worker pool with the pyramid builder, and the dataset
// service the jobs report to. `serve` embeds one (in-process workers, WORKERS of them); `worker`
// runs one on its own, without HTTP, as many processes on as many machines as needed.
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "core/error.hpp"
#include "datasets/build_pyramid_job.hpp"
#include "datasets/dataset_service.hpp"
#include "db/pool.hpp"
#include "jobs/periodic.hpp"
#include "jobs/worker_pool.hpp"
#include "metrics/metrics.hpp"
#include "storage/blob_store.hpp"

namespace astropixel::app {

class JobRuntime {
 public:
  // Free bytes of the file system holding a directory (replaced in tests to fake a small disk).
  using FreeBytesAt = std::function<Result<std::uint64_t>(std::filesystem::path const&)>;

  // `build_disk` is where pyramids are written: the disk check before tiling measures it.
  JobRuntime(Config const& cfg, db::Pool& pool, storage::BlobStore& blobs, std::filesystem::path build_disk,
             FreeBytesAt free_at);

  datasets::DatasetService& datasets() { return datasets_; }
  jobs::WorkerPool& workers() { return workers_; }
  std::filesystem::path const& scratch_dir() const { return scratch_; }
  // Fault injection: a pause after every strip of tiles, so tests can kill a build midway.
  void slow_builds(int ms) { build_delay_ms_ = ms; }
  // Fault injection: the next builds' decoders crash.
  void crash_builds(bool on) { crash_builds_ = on; }
  // Fault injection: periodic runs of `kind` that start stop before their work (logging `sweep_held`)
  // and wait there, holding their job's lease, until released ("") or cancelled, so a test can kill
  // an instance mid-sweep.
  void hold_sweeps(std::string kind) {
    std::lock_guard lock(fault_mutex_);
    held_kind_ = std::move(kind);
  }
  bool sweeps_held(std::string_view kind) {
    std::lock_guard lock(fault_mutex_);
    return !kind.empty() && held_kind_ == kind;
  }
  // Fault injection: what the next builds' decoders do instead of decoding ("hang": never return;
  // "network:PORT": try to connect to 127.0.0.1:PORT and report how that went; "": decode).
  void build_fault(std::string kind) {
    std::lock_guard lock(fault_mutex_);
    build_fault_ = std::move(kind);
  }
  std::string build_fault() {
    std::lock_guard lock(fault_mutex_);
    return build_fault_;
  }
  // Job counts and the memory around the last build, for /metrics.
  void add_metrics(metrics::Metrics& metrics);

  // Periodic work (expiry sweeps) as durable jobs of `kind`, offered every MAINTENANCE_INTERVAL by
  // each process that can run it and run by one of them (jobs/periodic.hpp). A worker of its own
  // runs them, so they run even where WORKERS=0 leaves builds to `astropixel worker`. `sweep`
  // returns how much it removed. Call before start().
  void add_periodic(std::string kind, std::function<Result<int>()> sweep);
  // Starts the build workers, the periodic worker and the offers; stop() hands running jobs back.
  void start();
  void stop();

 private:
  std::filesystem::path scratch_;
  jobs::JobQueue queue_;
  jobs::WorkerPool workers_;
  jobs::WorkerPool periodic_workers_;
  std::vector<jobs::PeriodicJob> periodic_;
  std::unique_ptr<jobs::PeriodicOffers> offers_;
  db::Pool& pool_;
  std::chrono::milliseconds every_;
  datasets::DatasetService datasets_;
  datasets::MemoryReport memory_;
  std::atomic<int> build_delay_ms_{0};
  std::atomic<bool> crash_builds_{false};
  std::mutex fault_mutex_;
  std::string build_fault_;
  std::string held_kind_;
};

}  // namespace astropixel::app
