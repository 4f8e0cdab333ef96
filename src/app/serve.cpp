// The composition root, read top to bottom like a table of contents: open the backends, make the
// services (in dependency order), register the route groups, run. Test hooks live in test_hooks.cpp.
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <iostream>
#include <thread>

#include "annotations/annotation_service.hpp"
#include "api/admin_routes.hpp"
#include "api/annotation_routes.hpp"
#include "api/auth_routes.hpp"
#include "api/authn.hpp"
#include "api/composite_routes.hpp"
#include "api/cutout_routes.hpp"
#include "api/dataset_routes.hpp"
#include "api/download_routes.hpp"
#include "api/link_routes.hpp"
#include "api/measure_routes.hpp"
#include "api/science_routes.hpp"
#include "api/storage_routes.hpp"
#include "api/system_routes.hpp"
#include "api/tile_routes.hpp"
#include "api/upload_routes.hpp"
#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/demo.hpp"
#include "app/job_runtime.hpp"
#include "app/services.hpp"
#include "app/test_hooks.hpp"
#include "app/version.hpp"
#include "core/allocator.hpp"
#include "core/log.hpp"
#include "core/process_stats.hpp"
#include "datasets/build_pyramid_job.hpp"
#include "datasets/dataset_service.hpp"
#include "datasets/storage_quota.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "db/pool_metrics.hpp"
#include "db/sql_session_repository.hpp"
#include "db/sql_user_repository.hpp"
#include "http/blocking.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"
#include "jobs/worker_pool.hpp"
#include "metrics/metrics.hpp"
#include "ratelimit/memory_limiter.hpp"
#include "ratelimit/redis_limiter.hpp"
#include "ratelimit/redis_metrics.hpp"
#include "storage/s3/s3_metrics.hpp"
#include "tiles/tile_cache_metrics.hpp"
#include "tiles/tile_directory.hpp"
#include "tiles/tile_directory_metrics.hpp"
#include "tiles/tile_service.hpp"
#include "upload/upload_service.hpp"

namespace astropixel::app {
namespace {

constexpr int kExitConfig = 2;
constexpr int kExitUnavailable = 3;

// What the services stand on.
struct Backends {
  std::unique_ptr<db::Pool> pool;
  BlobBackend blobs;
  // Rate limits: in this process, or shared by every instance through Redis.
  std::unique_ptr<ratelimit::Limiter> limiter;
  ratelimit::RedisLimiter* redis = nullptr;
};

// Logs and returns nullopt when the database or the blob store cannot be opened.
std::optional<Backends> open_backends(Config const& cfg) {
  Backends b;
  b.pool = open_database(cfg);
  if (!b.pool) return std::nullopt;
  auto blobs = open_blob_store(cfg);
  if (!blobs) return std::nullopt;
  b.blobs = std::move(*blobs);
  if (cfg.redis_url.empty()) {
    b.limiter = std::make_unique<ratelimit::MemoryLimiter>();
    return b;
  }
  auto redis = std::make_unique<ratelimit::RedisLimiter>(ratelimit::RedisOptions{
      .address = *ratelimit::parse_redis_url(cfg.redis_url), .on_failure = cfg.rate_limit_failure});
  // Unreachable at start-up is not fatal (Redis may be restarting too); the failure mode answers.
  if (auto s = redis->ping(); !s)
    log::error("rate_limiter_unavailable",
               {{"detail", s.error().detail},
                {"answer", cfg.rate_limit_failure == ratelimit::FailureMode::closed ? "closed" : "open"}});
  b.redis = redis.get();
  b.limiter = std::move(redis);
  return b;
}

// The backends' figures, each registered by its owner; free disk under DATA_DIR is this process's.
void add_backend_metrics(metrics::Metrics& metrics, Backends const& b, std::filesystem::path data_dir) {
  db::add_pool_metrics(metrics, *b.pool);
  if (b.blobs.s3) storage::add_object_store_metrics(metrics, *b.blobs.s3);
  if (b.redis) ratelimit::add_limiter_metrics(metrics, *b.redis);
  metrics.add_collector([data_dir = std::move(data_dir)](metrics::Metrics::GaugeSetter const& set) {
    if (auto free = free_disk_bytes(data_dir.c_str())) {
      set("astropixel_data_dir_free_bytes", "Free bytes on the file system holding DATA_DIR", {},
          static_cast<double>(*free));
    }
  });
}

// Tiles of pyramids in an object store kept in memory; local pyramids are mapped and need none.
std::shared_ptr<pyramid::TileCache> remote_tile_cache(Config const& cfg, Backends const& b) {
  if (!b.blobs.s3 || cfg.remote_tile_cache_bytes == 0) return nullptr;
  return std::make_shared<pyramid::TileCache>(static_cast<std::size_t>(cfg.remote_tile_cache_bytes));
}

std::shared_ptr<tiles::DecodedTileCache> decoded_tile_cache(Config const& cfg) {
  if (cfg.iiif_decoded_tile_cache_bytes == 0) return nullptr;
  return std::make_shared<tiles::DecodedTileCache>(
      static_cast<std::size_t>(cfg.iiif_decoded_tile_cache_bytes));
}

std::size_t render_threads(Config const& cfg) {
  return cfg.iiif_render_threads > 0 ? static_cast<std::size_t>(cfg.iiif_render_threads)
                                     : tiles::default_render_threads();
}

// The services, in dependency order: members are built in the order they are declared here, and
// each takes only those above it.
struct Services {
  Services(Config const& cfg, Backends& b, TestHooks& hooks)
      : blocking(cfg.blocking_threads),
        renders(render_threads(cfg), render_threads(cfg) * static_cast<std::size_t>(cfg.iiif_render_queue)),
        decoded_tiles(decoded_tile_cache(cfg)),
        users(*b.pool),
        sessions(*b.pool),
        hasher(hash_params(cfg)),
        tokens(cfg.secret_key),
        links(std::make_shared<auth::LinkSigner const>(cfg.secret_key)),
        auth(users, sessions, hasher, tokens, *b.limiter, auth_settings(cfg)),
        authn(auth, blocking, cfg.cors_origins, cfg.cookie_secure,
              static_cast<std::size_t>(cfg.password_hash_concurrency)),
        jobs(cfg, *b.pool, *b.blobs.store, b.blobs.build_disk,
             [&hooks](std::filesystem::path const& dir) { return hooks.free_at(dir); }),
        uploads(*b.pool, jobs.datasets(),
                {.dir = cfg.data_dir / "uploads",
                 .max_upload_size = cfg.max_upload_size,
                 .reserve_bytes = cfg.disk_reserve_bytes,
                 .expire_after = std::chrono::seconds(cfg.upload_expire_seconds),
                 .max_pixels = cfg.max_image_pixels,
                 .probe_in_child = true,
                 .probe_memory_bytes = cfg.build_memory_limit_mb << 20,
                 .probe_timeout = std::chrono::seconds(cfg.probe_timeout_s),
                 .probe_fault = [&hooks] { return hooks.probe_fault(); },
                 .free_bytes = [&hooks, dir = cfg.data_dir / "uploads"] { return hooks.free_at(dir); },
                 .objects = b.blobs.store->part_assembly() ? b.blobs.store.get() : nullptr}),
        tiles(*b.pool, *b.blobs.store, std::chrono::milliseconds(cfg.tile_cache_ttl_ms), 4096,
              remote_tile_cache(cfg, b)),
        admin(*b.pool, users, auth, jobs.datasets()),
        quota(*b.pool, cfg.user_storage_quota_bytes),
        annotations(*b.pool) {
    // Expired uploads go as durable periodic jobs, like expired datasets (JobRuntime).
    jobs.add_periodic("expire_uploads", [this] { return uploads.expire(); });
  }

  http::BlockingPool blocking;
  http::BlockingPool renders;  // IIIF images drawn other than pre-cut tiles (tiles::TileService)
  std::shared_ptr<tiles::DecodedTileCache> decoded_tiles;  // the renders' decoded tiles; null: none
  db::SqlUserRepository users;
  db::SqlSessionRepository sessions;
  auth::PasswordHasher hasher;
  auth::TokenCodec tokens;
  std::shared_ptr<auth::LinkSigner const> links;  // links for other viewers (ADR 0038)
  auth::AuthService auth;
  api::Authenticator authn;
  JobRuntime jobs;  // the job queue, build workers, periodic jobs, and the dataset service
  upload::UploadService uploads;
  tiles::TileDirectory tiles;
  datasets::AdminService admin;
  datasets::StorageQuota quota;
  annotations::AnnotationService annotations;
};

// Every route group, each declared in its own file under api/.
void add_routes(http::Router& router, Config const& cfg, Services& s, Backends& b,
                metrics::Metrics& metrics) {
  auto& datasets = s.jobs.datasets();
  auto changed = [&s](std::string const& id) { s.tiles.invalidate(id); };
  api::add_auth_routes(router, s.authn, api::AccountDeletion{s.admin, s.uploads, changed});
  api::add_admin_routes(router, s.authn, s.admin, datasets, changed);
  api::add_upload_routes(router, s.authn, s.uploads,
                         {.max_chunk_size = cfg.max_chunk_size,
                          .admit_storage = [&s](std::string const& user, std::uint64_t bytes) {
                            return s.quota.admit(user, bytes);
                          }});
  api::add_dataset_routes(router, s.authn, datasets, changed,
                          {.limiter = b.limiter.get(), .reprocess = cfg.reprocess_rate_limit});
  api::add_download_routes(router, s.authn, datasets, *b.blobs.store);
  api::add_composite_routes(router, s.authn, datasets,
                            {.admit_storage = [&s](std::string const& user, std::uint64_t bytes) {
                              return s.quota.admit(user, bytes);
                            }});
  api::add_cutout_routes(router, s.authn, s.tiles, datasets,
                         {.max_pixels = cfg.max_cutout_pixels,
                          .scratch_dir = cfg.data_dir / "tmp",
                          .disk_reserve_bytes = cfg.disk_reserve_bytes});
  api::add_storage_routes(router, s.authn, s.quota);
  api::add_tile_routes(router, s.authn, s.tiles, {.datasets = &datasets, .annotations = &s.annotations},
                       &s.renders, s.decoded_tiles, s.links);
  api::add_link_routes(router, s.authn, datasets, s.links, changed);
  api::add_science_routes(router, s.authn, s.tiles);
  api::add_measure_routes(router, s.authn, s.tiles, {.max_region_pixels = cfg.max_region_pixels});
  api::add_annotation_routes(router, s.authn, s.annotations);
  api::add_system_routes(
      router,
      {
          .version = std::string(version()),
          .database_backend = b.pool->dialect() == db::Dialect::sqlite ? "sqlite" : "postgresql",
          .probe_database = [pool = b.pool.get()]() -> Result<api::DatabaseProbe> {
            auto t0 = std::chrono::steady_clock::now();
            auto conn = pool->acquire();
            if (!conn) return conn.error();
            auto r = (*conn)->query("SELECT MAX(version) FROM schema_migrations");
            if (!r) return r.error();
            return api::DatabaseProbe{
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(),
                static_cast<int>(r->int64(0, 0))};
          },
          .storage_free_bytes = [blobs = b.blobs.store.get()] { return blobs->free_bytes(); },
          .metrics = &metrics,
          .metrics_token = cfg.metrics_token,
          .blocking = &s.blocking,
          .web_root = cfg.web_root,
      });
}

http::ServerOptions server_options(Config const& cfg) {
  http::ServerOptions opts;
  opts.host = cfg.host;
  opts.port = cfg.port;
  opts.io_threads = cfg.io_threads ? cfg.io_threads : std::max(1u, std::thread::hardware_concurrency());
  opts.max_connections = cfg.max_connections;
  opts.max_connections_per_client = cfg.max_connections_per_client;
  opts.first_byte_timeout = std::chrono::seconds(cfg.http_first_byte_timeout_s);
  opts.body_min_rate = cfg.http_body_min_rate;
  opts.header_limit = cfg.http_header_limit;
  opts.header_timeout = std::chrono::seconds(cfg.http_header_timeout_s);
  opts.idle_timeout = std::chrono::seconds(cfg.http_idle_timeout_s);
  opts.body_timeout = std::chrono::seconds(cfg.http_body_timeout_s);
  opts.shutdown_timeout = std::chrono::seconds(cfg.shutdown_timeout_s);
  opts.debug = cfg.debug;
  opts.cors_origins = cfg.cors_origins;
  opts.trusted_proxies = cfg.trusted_proxies;
  opts.rate_policies.emplace("default", cfg.rate_limit_default);
  opts.rate_policies.emplace("auth", cfg.rate_limit_auth);
  opts.health_rate_limit = cfg.rate_limit_health;
  return opts;
}

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

  auto backends = open_backends(*cfg);
  if (!backends) return kExitUnavailable;
  metrics::Metrics metrics{std::string(version()), std::string(commit())};
  add_backend_metrics(metrics, *backends, cfg->data_dir);

  TestHooks hooks;
  Services services(*cfg, *backends, hooks);
  services.jobs.add_metrics(metrics);
  if (auto cache = services.tiles.remote_cache()) tiles::add_tile_cache_metrics(metrics, std::move(cache));
  if (services.decoded_tiles) tiles::add_decoded_tile_cache_metrics(metrics, services.decoded_tiles);
  tiles::add_tile_directory_metrics(metrics, services.tiles);

  http::Router router;
  add_routes(router, *cfg, services, *backends, metrics);
  if (cfg->test_routes) hooks.mount(router, *backends->pool, services.jobs, services.blocking);
  http::StaticFiles static_files(cfg->web_root);

  std::unique_ptr<http::Server> server;
  try {
    server = std::make_unique<http::Server>(server_options(*cfg), router, &static_files, &metrics,
                                            backends->limiter.get());
  } catch (std::invalid_argument const& e) {
    std::cerr << "astropixel: Invalid configuration: TRUSTED_PROXIES " << e.what() << "\n";
    return kExitConfig;
  }
  auto port = server->listen();
  if (!port) {
    log::error("listen_failed", {{"detail", port.error().detail}});
    return kExitUnavailable;
  }
  log::info("starting",
            {{"version", version()},
             {"allocator", allocator_name()},
             {"database", backends->pool->dialect() == db::Dialect::sqlite ? "sqlite" : "postgresql"},
             {"debug", cfg->debug}});

  // Background work: the job workers and the periodic expiry jobs; on a fresh installation, the
  // demo dataset (generated off the start-up path).
  services.jobs.start();
  std::thread demo;
  if (cfg->demo_dataset) {
    demo = std::thread([&] {
      if (auto s =
              ensure_demo_dataset(*backends->pool, services.jobs.datasets(), services.jobs.scratch_dir());
          !s)
        log::warn("demo_dataset_failed", {{"detail", s.error().message + ": " + s.error().detail}});
    });
  }

  int code = server->run();
  if (demo.joinable()) demo.join();
  services.jobs.stop();
  // Every pool's work finishes while the server's (stopped) I/O contexts and the routes its tasks
  // call still exist: a completion then waits in a context that is destroyed with the server.
  services.blocking.join();
  services.renders.join();
  services.authn.hashing().join();
  return code;
}

}  // namespace astropixel::app
