#include "ratelimit/redis_limiter.hpp"

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <charconv>
#include <cmath>

#include "core/log.hpp"

namespace astropixel::ratelimit {

namespace {

// GCRA on the server's clock, in microseconds. KEYS[1] = the client's key; ARGV = window, limit,
// and "1" to count the request ("0": only look).
// Returns {allowed, remaining, wait_us (until allowed), reset_us (until the quota is full)}.
constexpr char kScript[] = R"lua(
local window = tonumber(ARGV[1])
local interval = math.max(1, math.floor(window / tonumber(ARGV[2])))
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - window
if now < allow_at then
  return {0, 0, allow_at - now, tat - now}
end
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
end
return {1, math.floor((window - (new_tat - now)) / interval), 0, new_tat - now}
)lua";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::uint32_t seconds_ceil(long long us) {
  return us <= 0 ? 0 : static_cast<std::uint32_t>((us + 999'999) / 1'000'000);
}

struct ReplyDeleter {
  void operator()(redisReply* r) const {
    if (r) freeReplyObject(r);
  }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

}  // namespace

Result<RedisAddress> parse_redis_url(std::string_view url) {
  auto bad = [&](std::string why) {
    return make_error(ErrorCode::validation, "REDIS_URL is invalid", std::move(why));
  };
  constexpr std::string_view scheme = "redis://";
  if (!url.starts_with(scheme)) return bad("it must start with redis:// (TLS is not supported)");
  auto rest = url.substr(scheme.size());
  RedisAddress a;
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    auto auth = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = auth.find(':');
    a.password = std::string(colon == std::string_view::npos ? auth : auth.substr(colon + 1));
  }
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    auto db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db.empty()) {
      auto [p, ec] = std::from_chars(db.data(), db.data() + db.size(), a.database);
      if (ec != std::errc() || p != db.data() + db.size() || a.database < 0)
        return bad("the database must be a number");
    }
  }
  if (auto colon = rest.rfind(':');
      colon != std::string_view::npos && rest.find(']') == std::string_view::npos) {
    auto port = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
    if (ec != std::errc() || p != port.data() + port.size() || a.port < 1 || a.port > 65535)
      return bad("the port must be 1-65535");
  }
  if (rest.empty()) return bad("the host is missing");
  a.host = std::string(rest);
  return a;
}

struct RedisLimiter::Connection {
  redisContext* ctx = nullptr;
  std::string sha;  // of the loaded script
  ~Connection() {
    if (ctx) redisFree(ctx);
  }
};

RedisLimiter::RedisLimiter(RedisOptions options) : options_(std::move(options)) {}
RedisLimiter::~RedisLimiter() = default;

std::unique_ptr<RedisLimiter::Connection> RedisLimiter::acquire(std::string& error) {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  auto ms = options_.timeout.count();
  timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
  auto c = std::make_unique<Connection>();
  c->ctx = redisConnectWithTimeout(options_.address.host.c_str(), options_.address.port, tv);
  if (!c->ctx || c->ctx->err) {
    error = c->ctx ? c->ctx->errstr : "out of memory";
    return nullptr;
  }
  redisSetTimeout(c->ctx, tv);
  auto command = [&](std::vector<std::string> const& args) {
    std::vector<char const*> argv;
    std::vector<std::size_t> lens;
    for (auto const& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    return Reply(static_cast<redisReply*>(
        redisCommandArgv(c->ctx, static_cast<int>(argv.size()), argv.data(), lens.data())));
  };
  if (!options_.address.password.empty()) {
    auto r = command({"AUTH", options_.address.password});
    if (!r || r->type == REDIS_REPLY_ERROR) {
      error = r ? std::string(r->str, r->len) : c->ctx->errstr;
      return nullptr;
    }
  }
  if (options_.address.database != 0) {
    auto r = command({"SELECT", std::to_string(options_.address.database)});
    if (!r || r->type == REDIS_REPLY_ERROR) {
      error = r ? std::string(r->str, r->len) : c->ctx->errstr;
      return nullptr;
    }
  }
  auto loaded = command({"SCRIPT", "LOAD", kScript});
  if (!loaded || loaded->type != REDIS_REPLY_STRING) {
    error =
        loaded && loaded->type == REDIS_REPLY_ERROR ? std::string(loaded->str, loaded->len) : c->ctx->errstr;
    return nullptr;
  }
  c->sha.assign(loaded->str, loaded->len);
  return c;
}

void RedisLimiter::release(std::unique_ptr<Connection> c) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < 64) idle_.push_back(std::move(c));
}

Decision RedisLimiter::fallback() {
  ++failures_;
  if (options_.on_failure == FailureMode::open) return Decision{true, 0, 0, 0};
  return Decision{false, 0, 1, 1};
}

Status RedisLimiter::ping() {
  std::string error;
  auto c = acquire(error);
  if (!c)
    return make_error(ErrorCode::unavailable, "Redis is unreachable",
                      fmt::format("{}:{}: {}", options_.address.host, options_.address.port, error));
  release(std::move(c));
  return {};
}

Decision RedisLimiter::run(Policy const& policy, std::string_view key, bool count) {
  if (policy.limit == 0) return Decision{true, 0, 0, 0};
  if (now_ms() < down_until_ms_.load()) return fallback();

  std::string error;
  auto c = acquire(error);
  Reply reply;
  if (c) {
    std::string full_key = options_.prefix + policy.name + ":" + std::string(key);
    std::string window =
        std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(policy.window).count());
    std::string limit = std::to_string(policy.limit);
    for (int attempt = 0; attempt < 2; ++attempt) {
      char const* counted = count ? "1" : "0";
      char const* argv[] = {"EVALSHA",      c->sha.c_str(), "1",    full_key.c_str(),
                            window.c_str(), limit.c_str(),  counted};
      std::size_t lens[] = {7, c->sha.size(), 1, full_key.size(), window.size(), limit.size(), 1};
      reply.reset(static_cast<redisReply*>(redisCommandArgv(c->ctx, 7, argv, lens)));
      // The script cache is empty after a Redis restart or SCRIPT FLUSH: load it again once.
      if (reply && reply->type == REDIS_REPLY_ERROR &&
          std::string_view(reply->str, reply->len).starts_with("NOSCRIPT")) {
        Reply loaded(static_cast<redisReply*>(redisCommand(c->ctx, "SCRIPT LOAD %s", kScript)));
        if (loaded && loaded->type == REDIS_REPLY_STRING) c->sha.assign(loaded->str, loaded->len);
        continue;
      }
      break;
    }
    if (!reply)
      error = c->ctx->errstr;
    else if (reply->type == REDIS_REPLY_ERROR)
      error.assign(reply->str, reply->len);
    else if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 4)
      error = "unexpected reply";
  }
  if (!error.empty()) {
    // A broken connection is dropped (reply == nullptr); a script error keeps it.
    if (c && reply) release(std::move(c));
    down_until_ms_ = now_ms() + options_.backoff.count();
    if (auto now = now_ms(); now - last_warning_ms_.load() > 10'000) {
      last_warning_ms_ = now;
      log::warn("rate_limiter_unavailable",
                {{"detail", error},
                 {"answer", options_.on_failure == FailureMode::open ? "allow" : "deny"},
                 {"backoff_ms", static_cast<std::int64_t>(options_.backoff.count())}});
    }
    return fallback();
  }
  auto at = [&](std::size_t i) {
    return reply->element[i]->type == REDIS_REPLY_INTEGER ? reply->element[i]->integer : 0;
  };
  Decision d;
  d.allowed = at(0) == 1;
  d.remaining = static_cast<std::uint32_t>(std::max<long long>(0, at(1)));
  d.retry_after = d.allowed ? 0 : std::max<std::uint32_t>(1, seconds_ceil(at(2)));
  d.reset = seconds_ceil(at(3));
  release(std::move(c));
  return d;
}

}  // namespace astropixel::ratelimit
