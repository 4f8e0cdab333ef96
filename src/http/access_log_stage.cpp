#include "core/log.hpp"
#include "http/stages.hpp"
#include "metrics/metrics.hpp"

namespace astropixel::http {

Stage access_log_stage(metrics::Metrics* metrics) {
  return [metrics](Exchange& x, Next next) -> asio::awaitable<Result<Response>> {
    if (metrics) metrics->request_started();
    auto result = co_await next(x);
    auto const elapsed = std::chrono::steady_clock::now() - x.started;
    unsigned const status = result ? static_cast<unsigned>(result->status) : 0;
    if (metrics) {
      metrics->request_finished();
      metrics->observe_request(x.route_name, x.req.method_string, status, elapsed);
    }
    auto ctx = x.req.log_context();
    log::info("request",
              {{"method", x.req.method_string},
               {"route", x.route_name},
               {"path", x.req.path},
               {"status", status},
               {"bytes", x.bytes_sent},
               {"duration_us", std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()},
               {"client_ip", x.req.client_ip}},
              &ctx);
    co_return result;
  };
}

}  // namespace astropixel::http
