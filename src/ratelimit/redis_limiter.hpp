#pragma once
// The rate limiter shared by every instance: the same GCRA as MemoryLimiter, run atomically inside
// Redis by a Lua script that reads the server's clock (so instances never disagree about time).
// Keys expire when their quota is full again, so Redis memory stays bounded by active clients.
//
// When Redis cannot be reached the limiter answers by `on_failure`: open (allow, the default: an
// outage of the limiter should not become an outage of the site) or closed (deny with Retry-After).
// After a failure it leaves Redis alone for `backoff` rather than paying a connect timeout on every
// request.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "ratelimit/limiter.hpp"

struct redisContext;

namespace astropixel::ratelimit {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;
  int database = 0;
};

// "redis://[:password@]host[:port][/db]". Errors: validation.
Result<RedisAddress> parse_redis_url(std::string_view url);

enum class FailureMode { open, closed };

struct RedisOptions {
  RedisAddress address;
  FailureMode on_failure = FailureMode::open;
  std::chrono::milliseconds timeout{250};  // connect and per-command
  std::chrono::milliseconds backoff{1000};
  std::string prefix = "astropixel:rl:";
};

class RedisLimiter final : public Limiter {
 public:
  explicit RedisLimiter(RedisOptions options);
  ~RedisLimiter() override;

  Decision check(Policy const& policy, std::string_view key) override { return run(policy, key, true); }
  Decision peek(Policy const& policy, std::string_view key) override { return run(policy, key, false); }

  // Checks answered without Redis (by the failure mode), for /metrics.
  std::uint64_t failures() const { return failures_.load(); }
  // Opens one connection now, so a wrong address shows in the start-up log.
  Status ping();

 private:
  struct Connection;
  std::unique_ptr<Connection> acquire(std::string& error);
  void release(std::unique_ptr<Connection> c);
  Decision fallback();
  Decision run(Policy const& policy, std::string_view key, bool count);

  RedisOptions options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;  // hiredis contexts are not thread-safe: one per call
  std::atomic<std::int64_t> down_until_ms_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::atomic<std::int64_t> last_warning_ms_{0};
};

}  // namespace astropixel::ratelimit
