// The composition root: configuration → backends → services → routes → server.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <iostream>
#include <thread>

#include "api/system_routes.hpp"
#include "api/test_routes.hpp"
#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/version.hpp"
#include "core/log.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "http/blocking.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"
#include "metrics/metrics.hpp"
#include "ratelimit/memory_limiter.hpp"
#include "storage/fs/fs_blob_store.hpp"

namespace astropixel::app {
namespace {

constexpr int kExitConfig = 2;
constexpr int kExitUnavailable = 3;

std::optional<Config> configure(CommonOptions const& common) {
  auto cfg = load_config(common.config_file, process_env());
  if (!cfg) {
    std::cerr << "astropixel: " << cfg.error().message << ": " << cfg.error().detail << "\n";
    return std::nullopt;
  }
  log::set_level(log::parse_level(cfg->log_level, log::Level::info));
  return *cfg;
}

std::unique_ptr<db::Pool> open_database(Config const& cfg) {
  db::Pool::Options opts{cfg.db_pool_size, cfg.db_max_overflow,
                         std::chrono::milliseconds(cfg.db_pool_timeout_ms)};
  if (cfg.database_url.starts_with("sqlite:")) {
    std::error_code ec;
    std::filesystem::create_directories(cfg.data_dir, ec);
  }
  auto pool = db::make_pool(cfg.database_url, opts);
  if (!pool) {
    log::error("database_config_invalid", {{"detail", pool.error().message}});
    return nullptr;
  }
  auto report = db::migrate(**pool);
  if (!report) {
    log::error("migration_failed", {{"message", report.error().message}, {"detail", report.error().detail}});
    return nullptr;
  }
  if (report->from_version != report->to_version) {
    log::info("migrated", {{"from", report->from_version}, {"to", report->to_version}});
  }
  return std::move(*pool);
}

ratelimit::Policy parse_policy(std::string name, std::string const& spec) {
  auto slash = spec.find('/');
  return {std::move(name), static_cast<std::uint32_t>(std::stoul(spec.substr(0, slash))),
          std::chrono::seconds(std::stoul(spec.substr(slash + 1)))};
}

}  // namespace

int run_migrate(CommonOptions const& common) {
  auto cfg = configure(common);
  if (!cfg) return kExitConfig;
  auto pool = open_database(*cfg);
  if (!pool) return kExitUnavailable;
  std::cout << "schema version " << db::latest_schema_version() << "\n";
  return 0;
}

int run_serve(CommonOptions const& common, bool print_config) {
  auto cfg = configure(common);
  if (!cfg) return kExitConfig;
  if (print_config) {
    std::cout << describe(*cfg);
    return 0;
  }
  if (auto s = ensure_secret_key(*cfg); !s) {
    log::error("secret_key_unavailable", {{"message", s.error().message}, {"detail", s.error().detail}});
    return kExitUnavailable;
  }

  // Backends
  auto pool = open_database(*cfg);
  if (!pool) return kExitUnavailable;
  auto blobs = storage::FsBlobStore::open(cfg->storage_url);
  if (!blobs) {
    log::error("storage_unavailable", {{"detail", blobs.error().detail}});
    return kExitUnavailable;
  }
  metrics::Metrics metrics{std::string(version()), std::string(commit())};
  ratelimit::MemoryLimiter limiter;
  http::BlockingPool blocking(cfg->blocking_threads);

  metrics.add_collector([&pool, &store = **blobs](metrics::Metrics::GaugeSetter const& set) {
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
    set("astropixel_db_pool_timeouts", "Acquisitions that gave up after DB_POOL_TIMEOUT_MS (total)", {},
        static_cast<double>(s.timeouts));
    if (auto free = store.free_bytes()) {
      set("astropixel_data_dir_free_bytes", "Free bytes on the file system holding the data", {},
          static_cast<double>(*free));
    }
  });

  // Routes
  http::Router router;
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
          .storage_free_bytes = [&store = **blobs] { return store.free_bytes(); },
          .metrics = &metrics,
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
  opts.header_limit = cfg->http_header_limit;
  opts.header_timeout = std::chrono::seconds(cfg->http_header_timeout_s);
  opts.idle_timeout = std::chrono::seconds(cfg->http_idle_timeout_s);
  opts.body_timeout = std::chrono::seconds(cfg->http_body_timeout_s);
  opts.shutdown_timeout = std::chrono::seconds(cfg->shutdown_timeout_s);
  opts.debug = cfg->debug;
  opts.cors_origins = cfg->cors_origins;
  opts.trusted_proxies = cfg->trusted_proxies;
  opts.rate_policies.emplace("default", parse_policy("default", cfg->rate_limit_default));

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
  int code = server->run();
  blocking.join();
  return code;
}

}  // namespace astropixel::app
