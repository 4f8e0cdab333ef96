#pragma once
// The HTTP/1.1 server: listener, sessions with limits and timeouts, and the request pipeline every
// route shares (request id, CORS, routing, rate limit, body limit, error boundary, access log,
// metrics). It knows no domain: routes come from api/.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "http/router.hpp"
#include "ratelimit/limiter.hpp"

namespace astropixel::metrics {
class Metrics;
}

namespace astropixel::http {

class StaticFiles;

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 = any free port
  std::size_t io_threads = 2;
  std::size_t max_connections = 1024;
  // Open connections per client address (IPv6: per /64); more get a short 429 and are closed.
  // Connections from trusted proxies are not counted (they carry many clients). 0 = no cap.
  std::size_t max_connections_per_client = 64;
  std::size_t header_limit = 16 * 1024;
  std::chrono::seconds first_byte_timeout{5};  // a new connection's wait for its first request byte
  std::chrono::seconds header_timeout{10};     // whole header block, from its first byte
  std::chrono::seconds idle_timeout{15};       // keep-alive wait for the next request
  std::chrono::seconds body_timeout{60};       // longest pause while reading a body
  // Bytes per second a request body must keep up on average: a client may fall behind by at
  // most body_timeout's worth of waiting, then the body is cut (what arrived stays with the
  // handler). Time the server spends away from the socket is not counted. 0 = pauses only.
  std::uint64_t body_min_rate = 1024;
  std::chrono::seconds write_timeout{60};  // longest stall while writing a response
  std::chrono::seconds shutdown_timeout{30};
  bool debug = false;  // show 500 details in responses
  std::vector<std::string> cors_origins;
  std::vector<std::string> trusted_proxies;
  std::map<std::string, ratelimit::Policy> rate_policies;
  // Per client address for GET /api/health, counted in this process (no Redis round trip per
  // probe): generous for load balancers' probes, a bound for anyone hammering it. limit 0 = none.
  ratelimit::Policy health_rate_limit{"health", 1200, std::chrono::seconds(60)};
};

class Server {
 public:
  Server(ServerOptions options, Router const& router, StaticFiles const* static_files,
         metrics::Metrics* metrics, ratelimit::Limiter* limiter);
  ~Server();

  // Binds the listening socket. Errors: unavailable when the address cannot be bound.
  Result<std::uint16_t> listen();
  // Serves until SIGTERM/SIGINT, then drains in-flight requests up to the shutdown timeout.
  // A second signal exits at once. Returns the process exit code.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace astropixel::http
