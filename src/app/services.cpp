#include "app/services.hpp"

#include <iostream>

#include "core/log.hpp"
#include "db/migrations.hpp"
#include "storage/fs/fs_blob_store.hpp"
#include "storage/s3/s3_blob_store.hpp"

namespace astropixel::app {

std::optional<BlobBackend> open_blob_store(Config const& cfg) {
  BlobBackend b;
  if (cfg.storage_url.starts_with("s3://")) {
    storage::S3Config s3;
    s3.endpoint = cfg.s3_endpoint_url;
    s3.region = cfg.aws_region;
    s3.access_key = cfg.aws_access_key_id;
    s3.secret_key = cfg.aws_secret_access_key;
    s3.min_part_size = static_cast<std::size_t>(cfg.s3_part_size);
    auto store = storage::S3BlobStore::open(cfg.storage_url, s3);
    if (!store) {
      log::error("storage_unavailable", {{"detail", store.error().message + ": " + store.error().detail}});
      return std::nullopt;
    }
    b.s3 = &(*store)->client();
    b.store = std::move(*store);
    b.build_disk = cfg.data_dir / "tmp";
    std::error_code ec;
    std::filesystem::create_directories(b.build_disk, ec);
    return b;
  }
  auto store = storage::FsBlobStore::open(cfg.storage_url);
  if (!store) {
    log::error("storage_unavailable", {{"detail", store.error().detail}});
    return std::nullopt;
  }
  b.build_disk = (*store)->root();
  b.store = std::move(*store);
  return b;
}

std::optional<Config> configure(std::optional<std::filesystem::path> const& config_file) {
  auto cfg = load_config(config_file, process_env());
  if (!cfg) {
    std::cerr << "astropixel: " << cfg.error().message << ": " << cfg.error().detail << "\n";
    return std::nullopt;
  }
  log::set_level(cfg->log_level);
  return *cfg;
}

auth::HashParams hash_params(Config const& cfg) {
  return {static_cast<unsigned long long>(cfg.argon2_opslimit),
          static_cast<std::size_t>(cfg.argon2_memlimit_mib) * 1024 * 1024,
          static_cast<std::size_t>(cfg.password_hash_concurrency)};
}

auth::AuthSettings auth_settings(Config const& cfg) {
  return {std::chrono::minutes(cfg.access_token_expire_minutes),
          std::chrono::hours(24 * cfg.refresh_token_expire_days), cfg.login_rate_limit_ip,
          cfg.login_rate_limit_account, std::chrono::milliseconds(cfg.session_cache_ttl_ms)};
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

}  // namespace astropixel::app
