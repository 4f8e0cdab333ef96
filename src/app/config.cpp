#include "app/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error_catalogue.hpp"
#include "core/ids.hpp"
#include "ratelimit/redis_limiter.hpp"
#include "storage/s3/s3_blob_store.hpp"

namespace astropixel::app {
namespace {

using Parse = std::function<std::optional<std::string>(Config&, std::string const&)>;  // error text
using Show = std::function<std::string(Config const&)>;

struct Key {
  std::string name;
  Parse parse;
  Show show;
  bool secret = false;
};

template <class T>
std::optional<T> to_number(std::string const& s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

template <class T, class M>
Key number(std::string name, M Config::*member, T lo, T hi) {
  return {name,
          [=](Config& c, std::string const& v) -> std::optional<std::string> {
            auto n = to_number<T>(v);
            if (!n || *n < lo || *n > hi) {
              return "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
            }
            c.*member = static_cast<M>(*n);
            return std::nullopt;
          },
          [=](Config const& c) { return std::to_string(c.*member); }};
}

Key text(std::string name, std::string Config::*member, bool secret = false,
         std::function<std::optional<std::string>(std::string const&)> check = {}) {
  return {name,
          [=](Config& c, std::string const& v) -> std::optional<std::string> {
            if (check) {
              if (auto e = check(v)) return e;
            }
            c.*member = v;
            return std::nullopt;
          },
          [=](Config const& c) { return c.*member; }, secret};
}

Key path(std::string name, std::filesystem::path Config::*member) {
  return {name,
          [=](Config& c, std::string const& v) -> std::optional<std::string> {
            if (v.empty()) return "must not be empty";
            c.*member = v;
            return std::nullopt;
          },
          [=](Config const& c) { return (c.*member).string(); }};
}

Key flag(std::string name, bool Config::*member) {
  return {name,
          [=](Config& c, std::string const& v) -> std::optional<std::string> {
            std::string l = v;
            std::transform(l.begin(), l.end(), l.begin(), [](unsigned char ch) { return std::tolower(ch); });
            if (l == "true" || l == "1" || l == "yes" || l == "on")
              c.*member = true;
            else if (l == "false" || l == "0" || l == "no" || l == "off")
              c.*member = false;
            else
              return "must be true or false";
            return std::nullopt;
          },
          [=](Config const& c) { return std::string(c.*member ? "true" : "false"); }};
}

Key list(std::string name, std::vector<std::string> Config::*member,
         std::function<std::optional<std::string>(std::string const&)> check = {}) {
  return {name,
          [=](Config& c, std::string const& v) -> std::optional<std::string> {
            std::vector<std::string> out;
            std::stringstream ss(v);
            std::string item;
            while (std::getline(ss, item, ',')) {
              auto b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
              if (b == std::string::npos) continue;
              item = item.substr(b, e - b + 1);
              if (check) {
                if (auto err = check(item)) return "'" + item + "' " + *err;
              }
              out.push_back(item);
            }
            c.*member = std::move(out);
            return std::nullopt;
          },
          [=](Config const& c) {
            std::string s;
            for (auto const& i : c.*member) s += (s.empty() ? "" : ",") + i;
            return s;
          }};
}

std::optional<std::string> check_origin(std::string const& o) {
  if (o == "*") return "is not allowed: list exact origins (credentials are never sent to '*')";
  if (!(o.starts_with("http://") || o.starts_with("https://")) || o.ends_with("/")) {
    return "must be an origin like https://app.example.org (scheme, host, optional port, no path)";
  }
  return std::nullopt;
}

// "600/60": requests per window of seconds, into the policy (which keeps its name).
Key rate(std::string name, ratelimit::Policy Config::*member) {
  return {name,
          [=](Config& c, std::string const& v) -> std::optional<std::string> {
            auto slash = v.find('/');
            auto n = slash == std::string::npos ? std::nullopt : to_number<std::uint32_t>(v.substr(0, slash));
            auto w =
                slash == std::string::npos ? std::nullopt : to_number<std::uint32_t>(v.substr(slash + 1));
            if (!n || !w || *w == 0 || *w > 86400)
              return "must look like 600/60 (requests per seconds; 0/60 disables)";
            (c.*member).limit = *n;
            (c.*member).window = std::chrono::seconds(*w);
            return std::nullopt;
          },
          [=](Config const& c) {
            return std::to_string((c.*member).limit) + "/" + std::to_string((c.*member).window.count());
          }};
}

// One of a few words, into its enum value; the error lists the words.
template <class E>
Key choice(std::string name, E Config::*member, std::vector<std::pair<std::string, E>> words) {
  return {name,
          [=](Config& c, std::string const& v) -> std::optional<std::string> {
            for (auto const& [word, value] : words) {
              if (v == word) {
                c.*member = value;
                return std::nullopt;
              }
            }
            std::string list;
            for (std::size_t i = 0; i < words.size(); ++i)
              list += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i].first;
            return "must be " + list;
          },
          [=](Config const& c) {
            for (auto const& [word, value] : words) {
              if (c.*member == value) return word;
            }
            return std::string();
          }};
}

std::vector<Key> const& keys() {
  static const std::vector<Key> kKeys = [] {
    std::vector<Key> k;
    k.push_back(text("HOST", &Config::host));
    k.push_back(number<int>("PORT", &Config::port, 0, 65535));
    k.push_back(number<std::size_t>("IO_THREADS", &Config::io_threads, 0, 256));
    k.push_back(number<std::size_t>("BLOCKING_THREADS", &Config::blocking_threads, 1, 1024));
    k.push_back(number<std::size_t>("MAX_CONNECTIONS", &Config::max_connections, 1, 1'000'000));
    k.push_back(
        number<std::size_t>("MAX_CONNECTIONS_PER_CLIENT", &Config::max_connections_per_client, 0, 1'000'000));
    k.push_back(number<std::size_t>("HTTP_HEADER_LIMIT", &Config::http_header_limit, 1024, 1 << 20));
    k.push_back(number<int>("HTTP_FIRST_BYTE_TIMEOUT", &Config::http_first_byte_timeout_s, 1, 3600));
    k.push_back(number<int>("HTTP_HEADER_TIMEOUT", &Config::http_header_timeout_s, 1, 3600));
    k.push_back(number<int>("HTTP_IDLE_TIMEOUT", &Config::http_idle_timeout_s, 1, 3600));
    k.push_back(number<int>("HTTP_BODY_TIMEOUT", &Config::http_body_timeout_s, 1, 3600));
    k.push_back(number<std::uint64_t>("HTTP_BODY_MIN_RATE", &Config::http_body_min_rate, 0, 1ull << 30));
    k.push_back(number<int>("SHUTDOWN_TIMEOUT", &Config::shutdown_timeout_s, 0, 3600));
    k.push_back(path("WEB_ROOT", &Config::web_root));
    k.push_back(list("CORS_ORIGINS", &Config::cors_origins, check_origin));
    k.push_back(list("TRUSTED_PROXIES", &Config::trusted_proxies));
    k.push_back(rate("RATE_LIMIT_DEFAULT", &Config::rate_limit_default));
    k.push_back(rate("RATE_LIMIT_HEALTH", &Config::rate_limit_health));
    k.push_back(flag("DEBUG", &Config::debug));
    k.push_back(flag("TEST_ROUTES", &Config::test_routes));
    k.push_back(choice<log::Level>("LOG_LEVEL", &Config::log_level,
                                   {{"debug", log::Level::debug},
                                    {"info", log::Level::info},
                                    {"warn", log::Level::warn},
                                    {"error", log::Level::error}}));
    k.push_back(path("DATA_DIR", &Config::data_dir));
    k.push_back(text("DATABASE_URL", &Config::database_url, true,
                     [](std::string const& v) -> std::optional<std::string> {
                       if (v.empty() || v.starts_with("sqlite:") || v.starts_with("postgresql://") ||
                           v.starts_with("postgres://")) {
                         return std::nullopt;
                       }
                       return "must start with sqlite:, postgresql:// or postgres://";
                     }));
    k.push_back(number<std::size_t>("DB_POOL_SIZE", &Config::db_pool_size, 1, 1000));
    k.push_back(number<std::size_t>("DB_MAX_OVERFLOW", &Config::db_max_overflow, 0, 1000));
    k.push_back(number<int>("DB_POOL_TIMEOUT_MS", &Config::db_pool_timeout_ms, 1, 600'000));
    k.push_back(text("STORAGE_URL", &Config::storage_url));
    k.push_back(text("S3_ENDPOINT_URL", &Config::s3_endpoint_url));
    k.push_back(text("AWS_REGION", &Config::aws_region));
    k.push_back(number<std::uint64_t>("S3_PART_SIZE", &Config::s3_part_size, 5ull << 20, 5ull << 30));
    k.push_back(
        number<std::uint64_t>("BUILD_MEMORY_LIMIT_MB", &Config::build_memory_limit_mb, 0, 1ull << 30));
    k.push_back(number<int>("BUILD_TIMEOUT_BASE_S", &Config::build_timeout_base_s, 1, 7 * 86400));
    k.push_back(
        number<int>("BUILD_TIMEOUT_PER_MEGAPIXEL_MS", &Config::build_timeout_per_megapixel_ms, 0, 3'600'000));
    k.push_back(number<int>("PROBE_TIMEOUT_S", &Config::probe_timeout_s, 1, 3600));
    k.push_back(text("AWS_ACCESS_KEY_ID", &Config::aws_access_key_id));
    k.push_back(text("AWS_SECRET_ACCESS_KEY", &Config::aws_secret_access_key, true));
    k.push_back(
        text("REDIS_URL", &Config::redis_url, true, [](std::string const& v) -> std::optional<std::string> {
          if (v.empty()) return std::nullopt;
          auto a = ratelimit::parse_redis_url(v);
          return a ? std::nullopt : std::optional<std::string>(a.error().detail);
        }));
    k.push_back(choice<ratelimit::FailureMode>(
        "RATE_LIMIT_FAILURE", &Config::rate_limit_failure,
        {{"open", ratelimit::FailureMode::open}, {"closed", ratelimit::FailureMode::closed}}));
    k.push_back(
        text("SECRET_KEY", &Config::secret_key, true, [](std::string const& v) -> std::optional<std::string> {
          if (v.size() < 32) return "must be at least 32 characters of random text";
          return std::nullopt;
        }));
    k.push_back(text("METRICS_TOKEN", &Config::metrics_token, true,
                     [](std::string const& v) -> std::optional<std::string> {
                       if (!v.empty() && v.size() < 16)
                         return "must be at least 16 characters (or empty: /metrics is public)";
                       return std::nullopt;
                     }));
    k.push_back(number<int>("ACCESS_TOKEN_EXPIRE_MINUTES", &Config::access_token_expire_minutes, 1, 24 * 60));
    k.push_back(number<int>("REFRESH_TOKEN_EXPIRE_DAYS", &Config::refresh_token_expire_days, 1, 365));
    k.push_back(number<int>("ARGON2_OPSLIMIT", &Config::argon2_opslimit, 1, 20));
    k.push_back(number<int>("ARGON2_MEMLIMIT_MIB", &Config::argon2_memlimit_mib, 8, 4096));
    k.push_back(number<int>("PASSWORD_HASH_CONCURRENCY", &Config::password_hash_concurrency, 1, 64));
    k.push_back(rate("RATE_LIMIT_AUTH", &Config::rate_limit_auth));
    k.push_back(rate("LOGIN_RATE_LIMIT_IP", &Config::login_rate_limit_ip));
    k.push_back(rate("LOGIN_RATE_LIMIT_ACCOUNT", &Config::login_rate_limit_account));
    k.push_back(choice<api::CookieSecurity>("COOKIE_SECURE", &Config::cookie_secure,
                                            {{"auto", api::CookieSecurity::automatic},
                                             {"true", api::CookieSecurity::always},
                                             {"false", api::CookieSecurity::never}}));
    k.push_back(number<std::uint64_t>("MAX_UPLOAD_SIZE", &Config::max_upload_size, 1, 1ull << 50));
    k.push_back(number<std::uint64_t>("MAX_CHUNK_SIZE", &Config::max_chunk_size, 1, 1ull << 40));
    k.push_back(number<int>("TILE_SIZE", &Config::tile_size, 64, 4096));
    k.push_back(choice<pyramid::TileFormat>("TILE_FORMAT", &Config::tile_format,
                                            {{"jpg", pyramid::TileFormat::jpeg},
                                             {"png", pyramid::TileFormat::png},
                                             {"webp", pyramid::TileFormat::webp}}));
    k.push_back(number<int>("TILE_QUALITY", &Config::tile_quality, 1, 100));
    k.push_back(number<int>("WORKERS", &Config::workers, 0, 256));
    k.push_back({"DATASET_RETENTION_HOURS",
                 [](Config& c, std::string const& v) -> std::optional<std::string> {
                   char* end = nullptr;
                   double d = std::strtod(v.c_str(), &end);
                   if (v.empty() || *end != '\0' || !(d >= 0) || d > 1e6)
                     return "must be a number of hours ≥ 0";
                   c.dataset_retention_hours = d;
                   return std::nullopt;
                 },
                 [](Config const& c) {
                   std::ostringstream out;
                   out << c.dataset_retention_hours;
                   return out.str();
                 }});
    k.push_back(number<int>("UPLOAD_EXPIRE_SECONDS", &Config::upload_expire_seconds, 1, 365 * 86400));
    k.push_back(number<int>("JOB_LEASE_SECONDS", &Config::job_lease_seconds, 2, 3600));
    k.push_back(number<int>("JOB_MAX_ATTEMPTS", &Config::job_max_attempts, 1, 100));
    k.push_back(number<int>("MAX_BUILDS_PER_USER", &Config::max_builds_per_user, 0, 1024));
    k.push_back(
        number<std::uint64_t>("USER_STORAGE_QUOTA_BYTES", &Config::user_storage_quota_bytes, 0, 1ull << 60));
    k.push_back(rate("REPROCESS_RATE_LIMIT", &Config::reprocess_rate_limit));
    k.push_back(number<std::uint64_t>("MAX_IMAGE_PIXELS", &Config::max_image_pixels, 1, 1ull << 40));
    k.push_back(number<std::uint64_t>("DISK_RESERVE_BYTES", &Config::disk_reserve_bytes, 0, 1ull << 50));
    k.push_back(number<int>("TILE_THREADS", &Config::tile_threads, 0, 256));
    k.push_back(number<int>("SESSION_CACHE_TTL_MS", &Config::session_cache_ttl_ms, 0, 60'000));
    k.push_back(number<int>("TILE_CACHE_TTL_MS", &Config::tile_cache_ttl_ms, 0, 600'000));
    k.push_back(
        number<std::uint64_t>("REMOTE_TILE_CACHE_BYTES", &Config::remote_tile_cache_bytes, 0, 1ull << 44));
    k.push_back(number<std::uint64_t>("MAX_CUTOUT_PIXELS", &Config::max_cutout_pixels, 1, 1ull << 40));
    k.push_back(number<std::uint64_t>("MAX_REGION_PIXELS", &Config::max_region_pixels, 1, 1ull << 40));
    k.push_back(number<int>("IIIF_RENDER_THREADS", &Config::iiif_render_threads, 0, 256));
    k.push_back(number<int>("IIIF_RENDER_QUEUE", &Config::iiif_render_queue, 0, 4096));
    k.push_back(number<std::uint64_t>("IIIF_DECODED_TILE_CACHE_BYTES", &Config::iiif_decoded_tile_cache_bytes,
                                      0, 1ull << 44));
    k.push_back(number<int>("MAINTENANCE_INTERVAL", &Config::maintenance_interval_s, 1, 86400));
    k.push_back(flag("DEMO_DATASET", &Config::demo_dataset));
    return k;
  }();
  return kKeys;
}

Key const* find_key(std::string const& name) {
  for (auto const& k : keys()) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

Error config_error(std::string const& key, std::string const& source, std::string const& problem) {
  Error e = make_error(ErrorCode::validation, "Invalid configuration", key + " (" + source + ") " + problem);
  e.reason = errc::invalid_config.code;
  return e;
}

std::optional<std::string> toml_to_text(toml::node const& node) {
  if (auto s = node.value<std::string>()) return *s;
  if (node.is_integer()) return std::to_string(*node.value<std::int64_t>());
  if (node.is_boolean()) return std::string(*node.value<bool>() ? "true" : "false");
  if (auto arr = node.as_array()) {
    std::string out;
    for (auto const& item : *arr) {
      auto t = toml_to_text(item);
      if (!t) return std::nullopt;
      out += (out.empty() ? "" : ",") + *t;
    }
    return out;
  }
  return std::nullopt;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

// postgresql://user:secret@host/db → postgresql://user:***@host/db, and the values of password-like
// query parameters (libpq takes ?password=...) masked too. The user information ends at the last
// '@' of the authority, so a password holding '@' is masked whole.
std::string redact_url(std::string const& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto const start = scheme + 3;
  auto authority_end = url.find_first_of("/?#", start);
  if (authority_end == std::string::npos) authority_end = url.size();
  std::string out = url;
  auto at = url.rfind('@', authority_end);
  if (at != std::string::npos && at >= start) {
    auto colon = url.find(':', start);
    if (colon != std::string::npos && colon < at) out = url.substr(0, colon + 1) + "***" + url.substr(at);
  }
  auto query = out.find('?');
  if (query == std::string::npos) return out;
  std::string result = out.substr(0, query + 1);
  std::string_view rest(out);
  rest.remove_prefix(query + 1);
  bool first = true;
  while (!rest.empty() || first) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    std::string name = upper(std::string(pair.substr(0, eq)));
    if (!first) result += '&';
    if (eq != std::string_view::npos && (name.find("PASSWORD") != std::string::npos || name == "PASSFILE" ||
                                         name.find("SECRET") != std::string::npos))
      result += std::string(pair.substr(0, eq + 1)) + "***";
    else
      result += pair;
    first = false;
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return result;
}

}  // namespace

Env process_env() {
  return [](std::string const& name) -> std::optional<std::string> {
    if (char const* v = std::getenv(name.c_str())) return std::string(v);
    return std::nullopt;
  };
}

Result<Config> load_config(std::optional<std::filesystem::path> const& file, Env const& env) {
  Config c;
  if (file) {
    toml::table table;
    try {
      table = toml::parse_file(file->string());
    } catch (toml::parse_error const& e) {
      return config_error(file->string(), "file",
                          std::string("is not valid TOML: ") + std::string(e.description()));
    }
    for (auto const& [k, node] : table) {
      auto name = upper(std::string(k.str()));
      auto const* key = find_key(name);
      if (!key) return config_error(std::string(k.str()), "file", "is not a known setting");
      auto value = toml_to_text(node);
      if (!value) return config_error(name, "file", "has an unsupported TOML type");
      if (auto err = key->parse(c, *value)) return config_error(name, "file", *err);
    }
  }
  for (auto const& key : keys()) {
    if (auto v = env(key.name)) {
      if (auto err = key.parse(c, *v)) return config_error(key.name, "environment", *err);
    }
  }
  if (c.database_url.empty())
    c.database_url = "sqlite://" + std::filesystem::absolute(c.data_dir / "astropixel.db").string();
  if (c.storage_url.empty()) c.storage_url = std::filesystem::absolute(c.data_dir / "blobs").string();
  if (c.storage_url.starts_with("s3://")) {
    if (auto parsed = storage::parse_s3_url(c.storage_url); !parsed)
      return config_error("STORAGE_URL", "value", parsed.error().detail);
    if (c.aws_access_key_id.empty() || c.aws_secret_access_key.empty())
      return config_error("STORAGE_URL", "value",
                          "s3:// storage needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  } else if (c.storage_url.find("://") != std::string::npos) {
    return config_error("STORAGE_URL", "value", "use a local directory or s3://bucket/prefix");
  }
  if (c.max_chunk_size > c.max_upload_size) c.max_chunk_size = c.max_upload_size;
  return c;
}

Status ensure_secret_key(Config& c) {
  if (!c.secret_key.empty()) return {};
  std::error_code ec;
  std::filesystem::create_directories(c.data_dir, ec);
  if (ec) return make_error(ErrorCode::unavailable, "Cannot create the data directory", ec.message());
  auto path = c.data_dir / "secret_key";
  // The key signs every session: a copy others on the machine can read is refused, not used.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    return make_error(ErrorCode::validation, "The secret key file is readable by other users",
                      path.string() + ": run chmod 600 on it (or set SECRET_KEY)");
  }
  std::ifstream in(path);
  std::string key;
  if (in && std::getline(in, key) && key.size() >= 64) {
    c.secret_key = key;
    return {};
  }
  key = random_hex(32);
  // O_EXCL: two instances starting together must not each write a different key.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      std::ifstream again(path);
      if (again && std::getline(again, key) && key.size() >= 64) {
        c.secret_key = key;
        return {};
      }
    }
    return make_error(ErrorCode::unavailable, "Cannot create the secret key file", path.string());
  }
  std::string line = key + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return make_error(ErrorCode::unavailable, "Cannot write the secret key file", path.string());
  c.secret_key = key;
  return {};
}

std::string describe(Config const& c) {
  std::string out;
  for (auto const& k : keys()) {
    std::string v = k.show(c);
    if (k.name == "DATABASE_URL" || k.name == "REDIS_URL")
      v = redact_url(v);
    else if (k.secret && !v.empty())
      v = "<redacted>";
    out += k.name + " = " + v + "\n";
  }
  return out;
}

}  // namespace astropixel::app
