// The composition root: configuration → backends → services → routes → server.
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "annotations/annotation_service.hpp"
#include "api/admin_routes.hpp"
#include "api/annotation_routes.hpp"
#include "api/auth_routes.hpp"
#include "api/authn.hpp"
#include "api/dataset_routes.hpp"
#include "api/storage_routes.hpp"
#include "api/system_routes.hpp"
#include "api/test_routes.hpp"
#include "api/tile_routes.hpp"
#include "api/upload_routes.hpp"
#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/demo.hpp"
#include "app/job_runtime.hpp"
#include "app/services.hpp"
#include "app/version.hpp"
#include "core/log.hpp"
#include "core/process_stats.hpp"
#include "datasets/build_pyramid_job.hpp"
#include "datasets/dataset_service.hpp"
#include "datasets/storage_quota.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "db/sql_session_repository.hpp"
#include "db/sql_user_repository.hpp"
#include "http/blocking.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"
#include "jobs/worker_pool.hpp"
#include "metrics/metrics.hpp"
#include "ratelimit/memory_limiter.hpp"
#include "ratelimit/redis_limiter.hpp"
#include "tiles/tile_directory.hpp"
#include "upload/upload_service.hpp"

namespace astropixel::app {
namespace {

constexpr int kExitConfig = 2;
constexpr int kExitUnavailable = 3;

}  // namespace

int run_migrate(CommonOptions const& common) {
  auto cfg = configure(common.config_file);
  if (!cfg) return kExitConfig;
  auto pool = open_database(*cfg);
  if (!pool) return kExitUnavailable;
  std::cout << "schema version " << db::latest_schema_version() << "\n";
  return 0;
}

int run_serve(CommonOptions const& common, bool print_config) {
  auto cfg = configure(common.config_file);
  if (!cfg) return kExitConfig;
  if (print_config) {
    std::cout << describe(*cfg);
    return 0;
  }
  if (auto s = ensure_secret_key(*cfg); !s) {
    log::error("secret_key_unavailable", {{"message", s.error().message}, {"detail", s.error().detail}});
    return s.error().code == ErrorCode::validation ? kExitConfig : kExitUnavailable;
  }

  // Backends
  auto pool = open_database(*cfg);
  if (!pool) return kExitUnavailable;
  auto backend = open_blob_store(*cfg);
  if (!backend) return kExitUnavailable;
  storage::BlobStore& blobs = *backend->store;
  metrics::Metrics metrics{std::string(version()), std::string(commit())};
  // Rate limits: in this process, or shared by every instance through Redis.
  std::unique_ptr<ratelimit::Limiter> limiter_owner;
  ratelimit::RedisLimiter* redis_limiter = nullptr;
  if (cfg->redis_url.empty()) {
    limiter_owner = std::make_unique<ratelimit::MemoryLimiter>();
  } else {
    auto redis = std::make_unique<ratelimit::RedisLimiter>(ratelimit::RedisOptions{
        .address = *ratelimit::parse_redis_url(cfg->redis_url),
        .on_failure = cfg->rate_limit_failure == "closed" ? ratelimit::FailureMode::closed
                                                          : ratelimit::FailureMode::open});
    // Unreachable at start-up is not fatal (Redis may be restarting too); the failure mode answers.
    if (auto s = redis->ping(); !s)
      log::error("rate_limiter_unavailable",
                 {{"detail", s.error().detail}, {"answer", cfg->rate_limit_failure}});
    redis_limiter = redis.get();
    limiter_owner = std::move(redis);
  }
  ratelimit::Limiter& limiter = *limiter_owner;
  http::BlockingPool blocking(cfg->blocking_threads);

  if (redis_limiter) {
    metrics.add_collector([redis_limiter](metrics::Metrics::GaugeSetter const& set) {
      set("astropixel_ratelimit_backend_failures_total", "Rate-limit checks answered without Redis", {},
          static_cast<double>(redis_limiter->failures()));
    });
  }
  metrics.add_collector([&pool, data_dir = cfg->data_dir,
                         s3 = backend->s3](metrics::Metrics::GaugeSetter const& set) {
    auto s = pool->stats();
    set("astropixel_db_pool_size", "Configured pool size (DB_POOL_SIZE)", {}, static_cast<double>(s.size));
    set("astropixel_db_pool_max_overflow", "Configured overflow (DB_MAX_OVERFLOW)", {},
        static_cast<double>(s.max_overflow));
    set("astropixel_db_pool_connections", "Open database connections by state", {{"state", "in_use"}},
        static_cast<double>(s.in_use));
    set("astropixel_db_pool_connections", "Open database connections by state", {{"state", "idle"}},
        static_cast<double>(s.idle));
    set("astropixel_db_pool_waiting", "Callers waiting for a database connection", {},
        static_cast<double>(s.waiting));
    set("astropixel_db_pool_timeouts_total", "Acquisitions that gave up after DB_POOL_TIMEOUT_MS", {},
        static_cast<double>(s.timeouts));
    if (auto free = free_disk_bytes(data_dir.c_str())) {
      set("astropixel_data_dir_free_bytes", "Free bytes on the file system holding DATA_DIR", {},
          static_cast<double>(*free));
    }
    if (s3) {
      auto st = s3->stats();
      set("astropixel_object_store_requests_total", "Requests sent to the object store", {},
          static_cast<double>(st.requests));
      set("astropixel_object_store_retries_total", "Requests retried after a transient failure", {},
          static_cast<double>(st.retries));
      set("astropixel_object_store_failures_total", "Operations that failed after every retry", {},
          static_cast<double>(st.failures));
      set("astropixel_object_store_breaker_rejections_total",
          "Operations refused at once by the open breaker", {}, static_cast<double>(st.breaker_rejections));
      set("astropixel_object_store_breaker_open", "1 while the circuit breaker is open", {},
          st.breaker_open ? 1.0 : 0.0);
    }
  });

  // Services
  db::SqlUserRepository users(*pool);
  db::SqlSessionRepository sessions(*pool);
  auth::PasswordHasher hasher(hash_params(*cfg));
  auth::TokenCodec tokens(cfg->secret_key);
  auth::AuthService auth_service(users, sessions, hasher, tokens, limiter, auth_settings(*cfg));
  api::Authenticator authn(auth_service, blocking, cfg->cors_origins,
                           cfg->cookie_secure == "true"    ? api::CookieSecurity::always
                           : cfg->cookie_secure == "false" ? api::CookieSecurity::never
                                                           : api::CookieSecurity::automatic,
                           static_cast<std::size_t>(cfg->password_hash_concurrency));

  // Free space where uploads and pyramids are written; tests can pretend the disk is smaller.
  std::atomic<std::int64_t> free_override{-1};
  // Fault injection (TEST_ROUTES): what the header probes of finished uploads do ("", crash, hang).
  struct ProbeFault {
    std::mutex m;
    std::string kind;
    std::string get() {
      std::lock_guard lock(m);
      return kind;
    }
    void set(std::string k) {
      std::lock_guard lock(m);
      kind = std::move(k);
    }
  } probe_fault;
  auto free_at = [&free_override](std::filesystem::path const& dir) -> Result<std::uint64_t> {
    if (auto o = free_override.load(); o >= 0) return static_cast<std::uint64_t>(o);
    auto f = free_disk_bytes(dir.c_str());
    if (!f) return make_error(ErrorCode::unavailable, "Cannot read free disk space", dir.string());
    return *f;
  };
  auto uploads_dir = cfg->data_dir / "uploads";

  // Jobs, datasets, uploads, tiles
  JobRuntime jobs(*cfg, *pool, blobs, backend->build_disk, free_at);
  auto& workers = jobs.workers();
  auto& dataset_service = jobs.datasets();
  upload::UploadService upload_service(
      *pool, dataset_service,
      {.dir = uploads_dir,
       .max_upload_size = cfg->max_upload_size,
       .reserve_bytes = cfg->disk_reserve_bytes,
       .expire_after = std::chrono::seconds(cfg->upload_expire_seconds),
       .max_pixels = cfg->max_image_pixels,
       .probe_in_child = true,
       .probe_memory_bytes = cfg->build_memory_limit_mb << 20,
       .probe_timeout = std::chrono::seconds(cfg->probe_timeout_s),
       .probe_fault = [&probe_fault] { return probe_fault.get(); },
       .free_bytes = [&free_at, uploads_dir] { return free_at(uploads_dir); },
       .objects = blobs.part_assembly() ? &blobs : nullptr});
  tiles::TileDirectory tile_directory(*pool, blobs, std::chrono::milliseconds(cfg->tile_cache_ttl_ms));

  jobs.add_metrics(metrics);

  // Routes
  http::Router router;
  api::add_auth_routes(router, authn);
  datasets::AdminService admin_service(*pool, users, auth_service, dataset_service);
  auto changed = [&tile_directory](std::string const& id) { tile_directory.invalidate(id); };
  api::add_admin_routes(router, authn, admin_service, dataset_service, changed);
  datasets::StorageQuota storage_quota(*pool, cfg->user_storage_quota_bytes);
  api::add_upload_routes(
      router, authn, upload_service,
      {.max_chunk_size = cfg->max_chunk_size,
       .admit_storage = [&storage_quota](std::string const& user,
                                         std::uint64_t bytes) { return storage_quota.admit(user, bytes); }});
  api::add_dataset_routes(
      router, authn, dataset_service, changed,
      {.limiter = &limiter, .reprocess = parse_policy("reprocess", cfg->reprocess_rate_limit)});
  api::add_storage_routes(router, authn, storage_quota);
  api::add_tile_routes(router, authn, tile_directory);
  annotations::AnnotationService annotation_service(*pool);
  api::add_annotation_routes(router, authn, annotation_service);
  api::add_system_routes(
      router,
      {
          .version = std::string(version()),
          .database_backend = pool->dialect() == db::Dialect::sqlite ? "sqlite" : "postgresql",
          .probe_database = [&pool]() -> Result<api::DatabaseProbe> {
            auto t0 = std::chrono::steady_clock::now();
            auto conn = pool->acquire();
            if (!conn) return conn.error();
            auto r = (*conn)->query("SELECT MAX(version) FROM schema_migrations");
            if (!r) return r.error();
            return api::DatabaseProbe{
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(),
                static_cast<int>(r->int64(0, 0))};
          },
          .storage_free_bytes = [&blobs] { return blobs.free_bytes(); },
          .metrics = &metrics,
          .metrics_token = cfg->metrics_token,
          .blocking = &blocking,
      });
  if (cfg->test_routes) {
    log::warn("test_routes_enabled", {{"detail", "fault-injection routes are mounted under /api/_test"}});
    api::add_test_routes(router, {
                                     .hold_database = [&pool](int ms) -> Status {
                                       auto conn = pool->acquire();
                                       if (!conn) return conn.error();
                                       std::this_thread::sleep_for(std::chrono::milliseconds(ms));
                                       return {};
                                     },
                                     .set_free_bytes =
                                         [&free_override](std::optional<std::uint64_t> b) {
                                           free_override = b ? static_cast<std::int64_t>(*b) : -1;
                                         },
                                     .slow_builds = [&jobs](int ms) { jobs.slow_builds(ms); },
                                     .crash_builds = [&jobs](bool on) { jobs.crash_builds(on); },
                                     .build_fault = [&jobs](std::string kind) { jobs.build_fault(kind); },
                                     .probe_fault = [&probe_fault](std::string k) { probe_fault.set(k); },
                                     .blocking = &blocking,
                                 });
  }
  http::StaticFiles static_files(cfg->web_root);

  // Server
  http::ServerOptions opts;
  opts.host = cfg->host;
  opts.port = cfg->port;
  opts.io_threads = cfg->io_threads ? cfg->io_threads : std::max(1u, std::thread::hardware_concurrency());
  opts.max_connections = cfg->max_connections;
  opts.max_connections_per_client = cfg->max_connections_per_client;
  opts.first_byte_timeout = std::chrono::seconds(cfg->http_first_byte_timeout_s);
  opts.body_min_rate = cfg->http_body_min_rate;
  opts.header_limit = cfg->http_header_limit;
  opts.header_timeout = std::chrono::seconds(cfg->http_header_timeout_s);
  opts.idle_timeout = std::chrono::seconds(cfg->http_idle_timeout_s);
  opts.body_timeout = std::chrono::seconds(cfg->http_body_timeout_s);
  opts.shutdown_timeout = std::chrono::seconds(cfg->shutdown_timeout_s);
  opts.debug = cfg->debug;
  opts.cors_origins = cfg->cors_origins;
  opts.trusted_proxies = cfg->trusted_proxies;
  opts.rate_policies.emplace("default", parse_policy("default", cfg->rate_limit_default));
  opts.rate_policies.emplace("auth", parse_policy("auth", cfg->rate_limit_auth));
  opts.health_rate_limit = parse_policy("health", cfg->rate_limit_health);

  std::unique_ptr<http::Server> server;
  try {
    server = std::make_unique<http::Server>(opts, router, &static_files, &metrics, &limiter);
  } catch (std::invalid_argument const& e) {
    std::cerr << "astropixel: Invalid configuration: TRUSTED_PROXIES " << e.what() << "\n";
    return kExitConfig;
  }
  auto port = server->listen();
  if (!port) {
    log::error("listen_failed", {{"detail", port.error().detail}});
    return kExitUnavailable;
  }
  log::info("starting", {{"version", version()},
                         {"database", pool->dialect() == db::Dialect::sqlite ? "sqlite" : "postgresql"},
                         {"debug", cfg->debug}});
  // Background work: the job workers, and a sweep that expires uploads and datasets (and, on a
  // fresh installation, creates the demo dataset first).
  workers.start();
  std::mutex sweep_mutex;
  std::condition_variable sweep_wake;
  bool stopping = false;
  std::thread sweeper([&] {
    if (cfg->demo_dataset) {
      if (auto s = ensure_demo_dataset(*pool, dataset_service, jobs.scratch_dir()); !s)
        log::warn("demo_dataset_failed", {{"detail", s.error().message + ": " + s.error().detail}});
    }
    std::unique_lock lock(sweep_mutex);
    while (!stopping) {
      lock.unlock();
      if (auto n = upload_service.expire(); !n)
        log::warn("upload_expiry_failed", {{"detail", n.error().detail}});
      if (auto n = dataset_service.remove_expired(); !n)
        log::warn("dataset_expiry_failed", {{"detail", n.error().detail}});
      lock.lock();
      sweep_wake.wait_for(lock, std::chrono::seconds(cfg->maintenance_interval_s), [&] { return stopping; });
    }
  });

  int code = server->run();
  {
    std::lock_guard lock(sweep_mutex);
    stopping = true;
  }
  sweep_wake.notify_all();
  sweeper.join();
  workers.stop();
  blocking.join();
  return code;
}

}  // namespace astropixel::app
