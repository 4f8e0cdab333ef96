#include <fmt/format.h>

#include "http/stages.hpp"

namespace astropixel::http {

Stage rate_limit_stage(std::map<std::string, LimitedPolicy> policies) {
  return [policies = std::move(policies)](Exchange& x, Next next) -> asio::awaitable<Result<Response>> {
    std::string const name = x.route ? x.route->options.rate_policy : "default";
    auto it = policies.find(name);
    if (it == policies.end() || !it->second.limiter) co_return co_await next(x);
    auto const& policy = it->second.policy;
    auto const decision = it->second.limiter->check(policy, x.req.client_ip);
    x.response_headers.set("RateLimit-Policy",
                           fmt::format("\"{}\";q={};w={}", policy.name, policy.limit, policy.window.count()));
    x.response_headers.set("RateLimit",
                           fmt::format("\"{}\";r={};t={}", policy.name, decision.remaining,
                                       decision.allowed ? decision.reset : decision.retry_after));
    if (!decision.allowed) {
      Error e = make_error(
          ErrorCode::rate_limited, "Too many requests",
          fmt::format("Rate limit of {} requests per {} s exceeded", policy.limit, policy.window.count()));
      e.retry_after_s = static_cast<int>(decision.retry_after);
      co_return e;
    }
    co_return co_await next(x);
  };
}

}  // namespace astropixel::http
