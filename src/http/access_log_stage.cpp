#include "core/log.hpp"
#include "http/stages.hpp"
#include "metrics/metrics.hpp"

namespace astropixel::http {

std::string redacted_path(std::string_view path) {
  // A link for other viewers is a bearer secret in the path ("/hips/{id}~{exp}~{sig}/…", ADR 0038):
  // from a segment's '~' (or its escape %7E, which the router decodes alike) to the segment's end,
  // nothing reaches the log.
  auto secret_at = [](std::string_view p) {
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (p[i] == '~') return i;
      if (p[i] == '%' && i + 2 < p.size() && p[i + 1] == '7' && (p[i + 2] == 'e' || p[i + 2] == 'E'))
        return i;
    }
    return std::string_view::npos;
  };
  std::string out;
  out.reserve(path.size());
  while (!path.empty()) {
    auto at = secret_at(path);
    if (at == std::string_view::npos) {
      out += path;
      break;
    }
    out += path.substr(0, at);
    out += "~…";
    auto end = path.find('/', at);
    path = end == std::string_view::npos ? std::string_view() : path.substr(end);
  }
  return out;
}

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
               {"path", redacted_path(x.req.path)},
               {"status", status},
               {"bytes", x.bytes_sent},
               {"duration_us", std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()},
               {"client_ip", x.req.client_ip}},
              &ctx);
    co_return result;
  };
}

}  // namespace astropixel::http
