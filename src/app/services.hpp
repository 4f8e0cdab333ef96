#pragma once
// Small translations from configuration to service settings, shared by `serve` and the CLI.
#include <filesystem>
#include <optional>

#include "app/config.hpp"
#include "auth/auth_service.hpp"
#include "auth/password_hasher.hpp"
#include "db/pool.hpp"
#include "ratelimit/limiter.hpp"
#include "storage/blob_store.hpp"
#include "storage/s3/s3_client.hpp"

namespace astropixel::app {

// "600/60" → 600 requests per 60 s (validated by the configuration loader).
auth::HashParams hash_params(Config const& cfg);
auth::AuthSettings auth_settings(Config const& cfg);
// Loads the configuration (file, then environment) and sets the log level; prints the error and
// returns nullopt when it is invalid.
std::optional<Config> configure(std::optional<std::filesystem::path> const& config_file);
// Where blobs live, from STORAGE_URL: a local directory or an S3-compatible object store.
struct BlobBackend {
  std::unique_ptr<storage::BlobStore> store;
  // Where pyramids are written before they are published: the store's directory, or local scratch
  // space in front of an object store. The disk check before a build measures it.
  std::filesystem::path build_disk;
  storage::S3Client* s3 = nullptr;  // for metrics, when remote
};
// Logs and returns nullopt when the store cannot be opened.
std::optional<BlobBackend> open_blob_store(Config const& cfg);
// Opens the pool and applies migrations; logs and returns nullptr on failure.
std::unique_ptr<db::Pool> open_database(Config const& cfg);

}  // namespace astropixel::app
