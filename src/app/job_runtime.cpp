#include "app/job_runtime.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "datasets/build_hips_job.hpp"
#include "datasets/composite_job.hpp"

namespace astropixel::app {

namespace {

// Names this process in job leases, so an operator can tell which worker holds a job.
std::string worker_identity() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return fmt::format("{}:{}", host, ::getpid());
}

// Leases are renewed four times per lease (at most once a second, which is also how often a cancel
// is noticed): one renewal delayed by a loaded host or a busy SQLite writer must not lose a lease.
// A fixed second left JOB_LEASE_SECONDS=2 one second of slack.
std::chrono::milliseconds renewal_period(int lease_seconds) {
  return std::clamp(std::chrono::milliseconds(lease_seconds * 1000 / 4), std::chrono::milliseconds(100),
                    std::chrono::milliseconds(1000));
}

}  // namespace

JobRuntime::JobRuntime(Config const& cfg, db::Pool& pool, storage::BlobStore& blobs,
                       std::filesystem::path build_disk, FreeBytesAt free_at)
    : scratch_(cfg.data_dir / "tmp"),
      queue_(worker_identity(), std::chrono::seconds(cfg.job_lease_seconds), cfg.max_builds_per_user),
      workers_(pool, queue_, {.workers = cfg.workers, .tick = renewal_period(cfg.job_lease_seconds)}),
      periodic_workers_(pool, queue_, {.workers = 1, .tick = renewal_period(cfg.job_lease_seconds)}),
      pool_(pool),
      every_(std::chrono::seconds(std::max(1, cfg.maintenance_interval_s))),
      datasets_(pool, blobs,
                {.retention_hours = cfg.dataset_retention_hours, .job_max_attempts = cfg.job_max_attempts},
                [this] { workers_.notify(); }) {
  pyramid::BuildOptions options;
  options.format = cfg.tile_format;
  options.quality = cfg.tile_quality;
  options.tile_size = static_cast<std::uint32_t>(cfg.tile_size);
  options.max_pixels = cfg.max_image_pixels;
  options.threads = static_cast<unsigned>(cfg.tile_threads);
  workers_.add(
      std::string(datasets::kBuildPyramidJob),
      datasets::build_pyramid_handler(
          blobs, {.options = options,
                  .reserve_bytes = cfg.disk_reserve_bytes,
                  .scratch = scratch_,
                  .free_bytes = [free_at, build_disk] { return free_at(build_disk); },
                  .memory = &memory_,
                  .memory_limit_bytes = cfg.build_memory_limit_mb << 20,
                  .timeout_base = std::chrono::seconds(cfg.build_timeout_base_s),
                  .timeout_per_megapixel = std::chrono::milliseconds(cfg.build_timeout_per_megapixel_ms),
                  .strip_delay_ms = [this] { return build_delay_ms_.load(); },
                  .crash = [this] { return crash_builds_.load(); },
                  .fault = [this] { return build_fault(); }}));
  workers_.add(
      std::string(datasets::kBuildHipsJob),
      datasets::build_hips_handler(
          blobs, {.scratch = scratch_,
                  .memory_limit_bytes = cfg.build_memory_limit_mb << 20,
                  .timeout_base = std::chrono::seconds(cfg.build_timeout_base_s),
                  .timeout_per_megapixel = std::chrono::milliseconds(cfg.build_timeout_per_megapixel_ms),
                  .threads = static_cast<unsigned>(cfg.tile_threads)}));
  workers_.add(std::string(datasets::kBuildCompositeJob),
               datasets::build_composite_handler(
                   blobs, {.reserve_bytes = cfg.disk_reserve_bytes,
                           .scratch = scratch_,
                           .free_bytes = [free_at, scratch = scratch_] { return free_at(scratch); },
                           .job_max_attempts = cfg.job_max_attempts,
                           .job_enqueued = [this] { workers_.notify(); }}));
  add_periodic("expire_datasets", [this] { return datasets_.remove_expired(); });
}

void JobRuntime::add_periodic(std::string kind, std::function<Result<int>()> sweep) {
  periodic_workers_.add(kind,
                        {.run = [this, sweep = std::move(sweep), kind](jobs::JobContext& ctx) -> Status {
                           if (sweeps_held(kind)) {
                             log::warn("sweep_held", {{"kind", kind}, {"job", ctx.job().id}});
                             while (sweeps_held(kind) && !ctx.cancel())
                               std::this_thread::sleep_for(std::chrono::milliseconds(20));
                             // Lease lost or shutting down: the run ends here, as a killed one would.
                             if (ctx.cancel())
                               return make_error(ErrorCode::unavailable, "held sweep cancelled");
                           }
                           auto n = sweep();
                           if (!n) return n.error();
                           if (*n > 0) log::info("expiry_swept", {{"kind", kind}, {"removed", *n}});
                           return {};
                         },
                         .failed =
                             [kind](db::Connection&, jobs::Job const& job, Error const& e) {
                               // The next period's run tries again.
                               log::warn("expiry_failed", {{"kind", kind},
                                                           {"job", job.id},
                                                           {"code", std::string(e.machine_code())},
                                                           {"detail", e.detail}});
                             }});
  periodic_.push_back({.kind = std::move(kind), .every = every_});
}

void JobRuntime::start() {
  workers_.start();
  periodic_workers_.start();
  offers_ = std::make_unique<jobs::PeriodicOffers>(pool_, periodic_, [this] { periodic_workers_.notify(); });
  offers_->start();
}

void JobRuntime::stop() {
  if (offers_) offers_->stop();
  periodic_workers_.stop();
  workers_.stop();
}

void JobRuntime::add_metrics(metrics::Metrics& metrics) {
  // The backlog is read from the shared queue at scrape time, so every instance reports the same
  // figure (dashboards take max, not sum). A scrape does not queue for a connection: while the pool
  // has none free or callers waiting, the last figures are reported again, so the scrape does not
  // take the connection a request is waiting for (a race between the check and the acquire can
  // still make it wait, at most DB_POOL_TIMEOUT_MS).
  metrics.add_collector(
      [this, last = jobs::JobQueue::Backlog{}](metrics::Metrics::GaugeSetter const& set) mutable {
        auto const now = now_unix_ms();
        auto const p = pool_.stats();
        if (p.waiting == 0 && (p.idle > 0 || p.open < p.size + p.max_overflow)) {
          if (auto conn = pool_.acquire()) {
            if (auto b = jobs::JobQueue::backlog(**conn, now)) last = *b;
          }
        }
        set("astropixel_jobs_queued", "Jobs queued and due, waiting for a worker (the shared queue)", {},
            static_cast<double>(last.due));
        set("astropixel_jobs_queued_oldest_age_seconds",
            "How long the longest-waiting due job has waited for a worker; 0 when none waits", {},
            last.due > 0 ? static_cast<double>(std::max<std::int64_t>(0, now - last.oldest_due_ms)) / 1000.0
                         : 0.0);
      });
  metrics.add_collector([this](metrics::Metrics::GaugeSetter const& set) {
    auto s = workers_.stats();
    set("astropixel_jobs_running", "Jobs running in this process", {}, static_cast<double>(s.running));
    for (auto [outcome, n] :
         {std::pair{"succeeded", s.succeeded}, std::pair{"failed", s.failed}, std::pair{"retried", s.retried},
          std::pair{"cancelled", s.cancelled}, std::pair{"lease_lost", s.lost}}) {
      set("astropixel_jobs_finished_total", "Jobs finished by this process, by outcome",
          {{"outcome", outcome}}, static_cast<double>(n));
    }
    for (auto [phase, v] : {std::pair{"before_tiling", memory_.before.load()},
                            std::pair{"after_tiling", memory_.after_tiling.load()},
                            std::pair{"after_cleanup", memory_.after_cleanup.load()},
                            std::pair{"build_process_peak", memory_.build_peak.load()}}) {
      set("astropixel_pyramid_build_rss_bytes", "Resident memory around the last pyramid build",
          {{"phase", phase}}, static_cast<double>(v));
    }
  });
}

}  // namespace astropixel::app
