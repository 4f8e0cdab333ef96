#include "app/config.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <tuple>
#include <vector>

#include "core/ids.hpp"

namespace astropixel::app {
namespace {

Env env_of(std::map<std::string, std::string> m) {
  return [m](std::string const& k) -> std::optional<std::string> {
    auto it = m.find(k);
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}

std::filesystem::path temp_file(std::string const& text) {
  auto p = std::filesystem::temp_directory_path() / ("ap-config-" + random_hex(6) + ".toml");
  std::ofstream(p) << text;
  return p;
}

TEST(Config, DefaultsAreTheEmbeddedOnes) {
  auto c = load_config(std::nullopt, env_of({})).value();
  EXPECT_EQ(c.port, 8080);
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.db_pool_size, 10u);
  EXPECT_EQ(c.db_max_overflow, 5u);
  EXPECT_EQ(c.max_upload_size, 42949672960ull);
  EXPECT_EQ(c.max_chunk_size, 2147483648ull);
  EXPECT_TRUE(c.database_url.starts_with("sqlite:///"));
  EXPECT_TRUE(c.secret_key.empty()) << "no default secret";
}

TEST(Config, TransportDefaultsProtectADirectlyExposedServer) {
  auto c = load_config(std::nullopt, env_of({})).value();
  EXPECT_EQ(c.max_connections_per_client, 64u);
  EXPECT_EQ(c.http_first_byte_timeout_s, 5);
  EXPECT_EQ(c.http_idle_timeout_s, 15);
  EXPECT_EQ(c.http_body_min_rate, 1024u);
  auto off =
      load_config(std::nullopt, env_of({{"MAX_CONNECTIONS_PER_CLIENT", "0"}, {"HTTP_BODY_MIN_RATE", "0"}}));
  ASSERT_TRUE(off.has_value());
  EXPECT_EQ(off->max_connections_per_client, 0u);
  EXPECT_EQ(off->http_body_min_rate, 0u);
  EXPECT_TRUE(load_config(std::nullopt, env_of({{"HTTP_FIRST_BYTE_TIMEOUT", "0"}})).has_error());
  EXPECT_TRUE(load_config(std::nullopt, env_of({{"HTTP_BODY_MIN_RATE", "-1"}})).has_error());
}

TEST(Config, EnvironmentOverridesFile) {
  auto f = temp_file(
      "port = 9000\ndb_pool_size = 3\ncors_origins = [\"https://a.example\", \"https://b.example\"]\n");
  auto c = load_config(f, env_of({{"PORT", "9100"}})).value();
  EXPECT_EQ(c.port, 9100);
  EXPECT_EQ(c.db_pool_size, 3u);
  ASSERT_EQ(c.cors_origins.size(), 2u);
  std::filesystem::remove(f);
}

TEST(Config, ErrorsNameTheKey) {
  auto bad = load_config(std::nullopt, env_of({{"DB_POOL_SIZE", "lots"}}));
  ASSERT_TRUE(bad.has_error());
  EXPECT_NE(bad.error().detail.find("DB_POOL_SIZE"), std::string::npos);
  EXPECT_TRUE(load_config(std::nullopt, env_of({{"CORS_ORIGINS", "*"}})).has_error());
  EXPECT_TRUE(load_config(std::nullopt, env_of({{"SECRET_KEY", "short"}})).has_error());
  EXPECT_TRUE(load_config(std::nullopt, env_of({{"DATABASE_URL", "mysql://x"}})).has_error());
  auto f = temp_file("prot = 1\n");
  auto unknown = load_config(f, env_of({}));
  ASSERT_TRUE(unknown.has_error());
  EXPECT_NE(unknown.error().detail.find("prot"), std::string::npos);
  std::filesystem::remove(f);
}

// Rate policies and enums are parsed once, into the types their users take, and --print-config
// shows them as they were written.
TEST(Config, RatesAndChoicesArriveTyped) {
  auto d = load_config(std::nullopt, env_of({})).value();
  EXPECT_EQ(d.rate_limit_default.name, "default");
  EXPECT_EQ(d.rate_limit_default.limit, 600u);
  EXPECT_EQ(d.rate_limit_default.window, std::chrono::seconds(60));
  EXPECT_EQ(d.login_rate_limit_account.window, std::chrono::seconds(300));
  EXPECT_EQ(d.log_level, log::Level::info);
  EXPECT_EQ(d.cookie_secure, api::CookieSecurity::automatic);
  EXPECT_EQ(d.tile_format, pyramid::TileFormat::jpeg);
  EXPECT_EQ(d.rate_limit_failure, ratelimit::FailureMode::open);

  auto c = load_config(std::nullopt, env_of({{"RATE_LIMIT_AUTH", "7/90"},
                                             {"REPROCESS_RATE_LIMIT", "0/60"},
                                             {"LOG_LEVEL", "warn"},
                                             {"COOKIE_SECURE", "false"},
                                             {"TILE_FORMAT", "webp"},
                                             {"RATE_LIMIT_FAILURE", "closed"}}))
               .value();
  EXPECT_EQ(c.rate_limit_auth.name, "auth");
  EXPECT_EQ(c.rate_limit_auth.limit, 7u);
  EXPECT_EQ(c.rate_limit_auth.window, std::chrono::seconds(90));
  EXPECT_EQ(c.reprocess_rate_limit.limit, 0u);
  EXPECT_EQ(c.log_level, log::Level::warn);
  EXPECT_EQ(c.cookie_secure, api::CookieSecurity::never);
  EXPECT_EQ(c.tile_format, pyramid::TileFormat::webp);
  EXPECT_EQ(c.rate_limit_failure, ratelimit::FailureMode::closed);
  auto text = describe(c);
  for (auto const* shown :
       {"RATE_LIMIT_AUTH = 7/90\n", "LOG_LEVEL = warn\n", "COOKIE_SECURE = false\n", "TILE_FORMAT = webp\n",
        "RATE_LIMIT_FAILURE = closed\n", "RATE_LIMIT_DEFAULT = 600/60\n"}) {
    EXPECT_NE(text.find(shown), std::string::npos) << shown << " in\n" << text;
  }

  for (auto const& [key, value, says] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"RATE_LIMIT_DEFAULT", "600", "600/60"},
           {"RATE_LIMIT_DEFAULT", "600/0", "600/60"},
           {"RATE_LIMIT_DEFAULT", "-1/60", "600/60"},
           {"RATE_LIMIT_DEFAULT", "1/86401", "600/60"},
           {"LOG_LEVEL", "verbose", "debug, info, warn or error"},
           {"COOKIE_SECURE", "yes", "auto, true or false"},
           {"TILE_FORMAT", "jpeg", "jpg, png or webp"}}) {
    auto bad = load_config(std::nullopt, env_of({{key, value}}));
    ASSERT_TRUE(bad.has_error()) << key << "=" << value;
    EXPECT_NE(bad.error().detail.find(key), std::string::npos) << bad.error().detail;
    EXPECT_NE(bad.error().detail.find(says), std::string::npos) << bad.error().detail;
  }
}

TEST(Config, SecretKeyGeneratedOnceWithMode0600) {
  Config c;
  c.data_dir = std::filesystem::temp_directory_path() / ("ap-secret-" + random_hex(6));
  ASSERT_TRUE(ensure_secret_key(c));
  EXPECT_EQ(c.secret_key.size(), 64u);
  struct stat st {};
  ASSERT_EQ(::stat((c.data_dir / "secret_key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Config again;
  again.data_dir = c.data_dir;
  ASSERT_TRUE(ensure_secret_key(again));
  EXPECT_EQ(again.secret_key, c.secret_key) << "stable across restarts";
  std::filesystem::remove_all(c.data_dir);
}

TEST(Config, DescribeRedactsSecrets) {
  Config c = load_config(std::nullopt, env_of({{"SECRET_KEY", std::string(40, 'k')},
                                               {"DATABASE_URL", "postgresql://app:hunter2@db/astro"}}))
                 .value();
  auto text = describe(c);
  EXPECT_EQ(text.find("kkkk"), std::string::npos);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_NE(text.find("postgresql://app:***@db/astro"), std::string::npos);
}

TEST(Config, DescribeRedactsPasswordsWithAtSignsAndInTheQuery) {
  for (auto [url, shown] :
       {std::pair{"postgresql://app:p@ss@w0rd@db:5432/astro", "postgresql://app:***@db:5432/astro"},
        std::pair{"postgresql://db/astro?user=app&password=hunter2&sslmode=require",
                  "postgresql://db/astro?user=app&password=***&sslmode=require"},
        std::pair{"postgresql://app@db/astro?sslpassword=hunter2",
                  "postgresql://app@db/astro?sslpassword=***"},
        std::pair{"postgresql://db/astro", "postgresql://db/astro"}}) {
    Config c = load_config(std::nullopt, env_of({{"DATABASE_URL", url}})).value();
    auto text = describe(c);
    EXPECT_EQ(text.find("hunter2"), std::string::npos) << url;
    EXPECT_EQ(text.find("ss@w0rd"), std::string::npos) << url;
    EXPECT_NE(text.find(std::string("DATABASE_URL = ") + shown + "\n"), std::string::npos) << text;
  }
}

TEST(Config, RefusesASecretKeyFileOthersCanRead) {
  Config c;
  c.data_dir = std::filesystem::temp_directory_path() / ("ap-secret-" + std::to_string(::getpid()));
  std::filesystem::create_directories(c.data_dir);
  ASSERT_TRUE(ensure_secret_key(c));
  std::filesystem::permissions(c.data_dir / "secret_key", std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  Config again;
  again.data_dir = c.data_dir;
  auto s = ensure_secret_key(again);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::validation);
  EXPECT_NE(s.error().detail.find("chmod 600"), std::string::npos);
  std::filesystem::remove_all(c.data_dir);
}

}  // namespace
}  // namespace astropixel::app
