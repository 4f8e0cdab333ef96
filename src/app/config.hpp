#pragma once
// The effective configuration: built-in defaults, then an optional TOML file, then environment
// variables (the environment wins). Every value is validated at start-up; an error names the key.
// Values are parsed once, here, into the types their users take (rate policies, enums): nothing
// downstream re-reads configuration text.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/authn.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "pyramid/encoder.hpp"
#include "ratelimit/limiter.hpp"
#include "ratelimit/redis_limiter.hpp"

namespace astropixel::app {

struct Config {
  // server
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::size_t io_threads = 0;  // 0 = number of cores
  std::size_t blocking_threads = 16;
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_client = 64;  // per address (IPv6 /64); trusted proxies exempt; 0 = none
  std::size_t http_header_limit = 16 * 1024;
  int http_first_byte_timeout_s = 5;  // a new connection's wait for its first request byte
  int http_header_timeout_s = 10;
  int http_idle_timeout_s = 15;
  int http_body_timeout_s = 60;
  std::uint64_t http_body_min_rate = 1024;  // bytes/s a request body must average; 0 = pauses only
  int shutdown_timeout_s = 30;
  std::filesystem::path web_root = "web/dist";
  std::vector<std::string> cors_origins;
  std::vector<std::string> trusted_proxies;
  // Rate limits: requests per window (a "600/60" in the configuration; 0/60 disables).
  ratelimit::Policy rate_limit_default{"default", 600, std::chrono::seconds(60)};  // per client address
  ratelimit::Policy rate_limit_health{"health", 1200,
                                      std::chrono::seconds(60)};  // GET /api/health, in-process
  bool debug = false;
  bool test_routes = false;  // mount /api/_test fault-injection routes (integration tests only)
  log::Level log_level = log::Level::info;
  // data
  std::filesystem::path data_dir = "data";
  std::string database_url;  // default: sqlite in data_dir
  std::size_t db_pool_size = 10;
  std::size_t db_max_overflow = 5;
  int db_pool_timeout_ms = 5000;
  std::string storage_url;  // default: data_dir/blobs
  std::string s3_endpoint_url, aws_region = "us-east-1", aws_access_key_id, aws_secret_access_key;
  std::uint64_t s3_part_size = 16ull << 20;
  std::uint64_t build_memory_limit_mb =
      8192;  // address space of a build process; 0 = no limit  // smallest multipart part (S3 wants ≥ 5 MiB)
  // A build's child is killed past BASE + PER_MEGAPIXEL × megapixels of wall time (CPU time: that
  // × (TILE_THREADS + 1)) and its dataset fails with build_timeout (docs/adr/0018).
  int build_timeout_base_s = 300;
  int build_timeout_per_megapixel_ms = 500;
  int probe_timeout_s = 30;  // reading an upload's header in its child process, plus 1 s per 32 MiB
  std::string redis_url;     // set: rate limits shared by every instance through Redis
  // When Redis is unreachable: open (allow) or closed (deny).
  ratelimit::FailureMode rate_limit_failure = ratelimit::FailureMode::open;
  // auth
  std::string secret_key;     // generated into data_dir/secret_key when absent
  std::string metrics_token;  // when set, GET /metrics needs "Authorization: Bearer <it>"
  int access_token_expire_minutes = 30;
  int refresh_token_expire_days = 14;
  int argon2_opslimit = 2;  // libsodium "interactive"
  int argon2_memlimit_mib = 64;
  int password_hash_concurrency = 2;  // hashes at once; more callers queue
  ratelimit::Policy rate_limit_auth{"auth", 30, std::chrono::seconds(60)};  // register/refresh per address
  ratelimit::Policy login_rate_limit_ip{"login_ip", 20, std::chrono::seconds(60)};  // sign-ins per address
  ratelimit::Policy login_rate_limit_account{"login_account", 5, std::chrono::seconds(300)};  // per account
  int session_cache_ttl_ms = 1000;  // sessions confirmed this recently skip the database
  // auto: Secure when HTTPS arrives through a trusted proxy.
  api::CookieSecurity cookie_secure = api::CookieSecurity::automatic;
  // uploads and processing
  std::uint64_t max_upload_size = 42949672960ull;  // 40 GiB
  std::uint64_t max_chunk_size = 2147483648ull;    // 2 GiB
  int tile_size = 256;
  pyramid::TileFormat tile_format = pyramid::TileFormat::jpeg;
  int tile_quality = 85;
  int workers = 1;
  double dataset_retention_hours = 0;  // fractions allowed (tests use seconds' worth)
  int upload_expire_seconds = 86400;
  int job_lease_seconds = 30;
  int job_max_attempts = 3;
  // Per-user limits (ADR 0019). Builds of one user beyond this many at once wait in the queue.
  int max_builds_per_user = 2;                 // 0 = no cap
  std::uint64_t user_storage_quota_bytes = 0;  // sources + open uploads per user; 0 = unlimited
  ratelimit::Policy reprocess_rate_limit{"reprocess", 20, std::chrono::seconds(3600)};  // per user
  std::uint64_t max_image_pixels = 9'000'000'000ull;
  std::uint64_t disk_reserve_bytes = 256ull << 20;  // free space every write must leave
  int tile_threads = 0;                             // encoder threads per build; 0 = one per core
  int tile_cache_ttl_ms = 1000;                     // how long a tile request trusts cached access rules
  // Tiles of pyramids in an object store kept in memory (bytes; 0 = none), so a tile asked again costs
  // no GET. Only used with STORAGE_URL=s3://...: local pyramids are mapped and the page cache keeps them.
  std::uint64_t remote_tile_cache_bytes = 256ull << 20;
  // Cut-outs (PNG/TIFF/FITS downloads): the most pixels of one.
  std::uint64_t max_cutout_pixels = 64ull << 20;
  // Region statistics: the most pixels one region reads.
  std::uint64_t max_region_pixels = 64ull << 20;
  // IIIF regions other than pre-cut tiles are drawn on a pool of their own (tile_service.hpp):
  // its threads (0 = one per core, at most 8) and how many renders may wait per thread before a 503.
  int iiif_render_threads = 0;
  int iiif_render_queue = 8;
  // Decoded pyramid tiles the IIIF renderer keeps for later renders (bytes; 0 = none;
  // tiles/decoded_tile_cache.hpp): random regions of an image read the same tiles again.
  std::uint64_t iiif_decoded_tile_cache_bytes = 256ull << 20;
  int maintenance_interval_s = 60;  // expiry sweeps
  bool demo_dataset = true;         // create a public demo dataset on first start
};

using Env = std::function<std::optional<std::string>(std::string const& name)>;
Env process_env();

// Errors: validation with the key named in the message.
Result<Config> load_config(std::optional<std::filesystem::path> const& file, Env const& env);

// Fills secret_key from data_dir/secret_key, creating that file (mode 0600) with 32 random bytes
// on first start. Errors: validation when a given key is too short; unavailable on I/O failure.
Status ensure_secret_key(Config& config);

// "KEY = value" lines of the effective configuration, secrets redacted.
std::string describe(Config const& config);

}  // namespace astropixel::app
