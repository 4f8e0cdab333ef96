#pragma once
// Operational endpoints: GET /api/health and GET /metrics; the API's own description, GET
// /api/openapi.json (generated from the router's table, api/openapi.hpp), and its interactive docs
// at /api/docs (Swagger UI, built by scripts/build-web.sh into WEB_ROOT/api-docs).
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "core/error.hpp"
#include "http/blocking.hpp"
#include "http/router.hpp"

namespace astropixel::metrics {
class Metrics;
}

namespace astropixel::api {

struct DatabaseProbe {
  double latency_ms = 0;
  int schema_version = 0;
};
struct SystemDeps {
  std::string version;
  std::string database_backend;  // "sqlite" | "postgresql"
  std::function<Result<DatabaseProbe>()> probe_database;
  std::function<Result<std::uint64_t>()> storage_free_bytes;
  metrics::Metrics* metrics = nullptr;
  std::string metrics_token;  // empty: /metrics is public; else it needs this bearer token
  http::BlockingPool* blocking = nullptr;
  // Where the built web app is (WEB_ROOT): /api/docs serves its api-docs/ folder.
  std::filesystem::path web_root{};
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// `router` must outlive the server: /api/openapi.json describes the routes it holds at the first
// request, when every route group has been added.
void add_system_routes(http::Router& router, SystemDeps deps);

}  // namespace astropixel::api
