#pragma once
// The shared rate limiter's figure at every scrape: checks answered without Redis (by the
// RATE_LIMIT_FAILURE mode), so an outage shows on a dashboard before users notice it.
#include "metrics/metrics.hpp"
#include "ratelimit/redis_limiter.hpp"

namespace astropixel::ratelimit {

// `limiter` must outlive `metrics`' scrapes.
void add_limiter_metrics(metrics::Metrics& metrics, RedisLimiter const& limiter);

}  // namespace astropixel::ratelimit
