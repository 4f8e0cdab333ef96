#include "ratelimit/redis_metrics.hpp"

namespace astropixel::ratelimit {

void add_limiter_metrics(metrics::Metrics& metrics, RedisLimiter const& limiter) {
  metrics.add_collector([&limiter](metrics::Metrics::GaugeSetter const& set) {
    set("astropixel_ratelimit_backend_failures_total", "Rate-limit checks answered without Redis", {},
        static_cast<double>(limiter.failures()));
  });
}

}  // namespace astropixel::ratelimit
