#include <gtest/gtest.h>

#include "http/stage_testing.hpp"
#include "http/stages.hpp"
#include "ratelimit/memory_limiter.hpp"

namespace astropixel::http {
namespace {

using testing::ok_inner;
using testing::run_stage;
using testing::TestExchange;

Handler noop() {
  return [](Request&) -> asio::awaitable<Result<Response>> { co_return Response{}; };
}

TEST(RateLimitStage, CountsPerClientAndRefusesPastThePolicyWithRetryAfter) {
  ratelimit::MemoryLimiter limiter;
  std::map<std::string, LimitedPolicy> policies{
      {"default", {{"default", 2, std::chrono::seconds(60)}, &limiter}}};
  auto stage = rate_limit_stage(policies);
  std::vector<bool> ok;
  for (int i = 0; i < 3; ++i) {
    TestExchange t;  // an unmatched path counts against "default"
    ok.push_back(static_cast<bool>(run_stage(stage, t.x, ok_inner)));
    EXPECT_EQ(t.x.response_headers["RateLimit-Policy"], "\"default\";q=2;w=60");
    if (i == 2) {
      auto r = run_stage(stage, t.x, ok_inner);
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, ErrorCode::rate_limited);
      EXPECT_GT(r.error().retry_after_s, 0);
    }
  }
  EXPECT_EQ(ok, (std::vector<bool>{true, true, false}));
  TestExchange other;
  other.x.req.client_ip = "192.0.2.2";
  EXPECT_TRUE(run_stage(stage, other.x, ok_inner)) << "another client has its own quota";
}

TEST(RateLimitStage, ARouteWithoutAListedPolicyIsNotCounted) {
  ratelimit::MemoryLimiter limiter;
  Router router;
  router.add(beast_http::verb::get, "/metrics", noop(), {.max_body = 0, .rate_policy = ""});
  router.add(beast_http::verb::get, "/api/health", noop(), {.max_body = 0, .rate_policy = "health"});
  auto found = [&router](std::string_view path) {
    return std::get<Router::Found>(router.match(beast_http::verb::get, path)).route;
  };
  std::map<std::string, LimitedPolicy> policies{
      {"default", {{"default", 1, std::chrono::seconds(60)}, &limiter}},
      {"health", {{"health", 3, std::chrono::seconds(60)}, &limiter}}};
  auto stage = rate_limit_stage(policies);
  for (int i = 0; i < 5; ++i) {
    TestExchange t(beast_http::verb::get, "/metrics");
    t.x.route = found("/metrics");
    EXPECT_TRUE(run_stage(stage, t.x, ok_inner));
    EXPECT_TRUE(t.x.response_headers["RateLimit"].empty());
  }
  int health_ok = 0;
  for (int i = 0; i < 5; ++i) {
    TestExchange t(beast_http::verb::get, "/api/health");
    t.x.route = found("/api/health");
    health_ok += run_stage(stage, t.x, ok_inner) ? 1 : 0;
  }
  EXPECT_EQ(health_ok, 3) << "the health probe has its own policy, apart from the default's";
}

}  // namespace
}  // namespace astropixel::http
