#include "api/system_routes.hpp"

#include <sodium.h>

#include <boost/json.hpp>
#include <mutex>

#include "api/endpoint.hpp"
#include "api/openapi.hpp"
#include "core/error_catalogue.hpp"
#include "core/log.hpp"
#include "http/static_files.hpp"
#include "metrics/metrics.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;

namespace {

// The document is generated once, at the first request: by then every route group is in the router.
struct OpenApiCache {
  std::once_flag once;
  std::string body;
};

// /api/docs: the Swagger UI page and its files, from WEB_ROOT/api-docs (made by
// scripts/build-web.sh), under the web app's Content-Security-Policy (no inline script, this origin
// only). Only single file names with an extension: a missing page is a 404, never the web app.
Result<http::Response> docs_file(std::filesystem::path const& web_root, http::Request const& req,
                                 std::string_view file) {
  auto const dir = web_root / "api-docs";
  std::error_code ec;
  if (web_root.empty() || !std::filesystem::is_regular_file(dir / "index.html", ec))
    return make_error(ErrorCode::not_found, "The API docs are not built", "Run scripts/build-web.sh");
  if (file.starts_with('.') || file.find('.') == std::string_view::npos)
    return make_error(ErrorCode::not_found, "Not found");
  std::string const path = "/" + std::string(file);
  http::Request inner = req;
  inner.path = path;
  return http::StaticFiles(dir).serve(inner);
}

void add_docs_routes(http::Router& router, std::shared_ptr<SystemDeps> const& shared) {
  auto cache = std::make_shared<OpenApiCache>();
  auto* r = &router;
  router.add(bhttp::verb::get, "/api/openapi.json",
             [r, shared, cache](http::Request&) -> http::asio::awaitable<Result<http::Response>> {
               std::call_once(cache->once, [&] {
                 auto doc = openapi_document(*r, shared->version);
                 for (auto const& route : doc.undocumented)
                   log::warn("route_undocumented", {{"route", route}});
                 cache->body = boost::json::serialize(doc.json);
               });
               auto res = http::text_response(cache->body, "application/json");
               res.headers.set(bhttp::field::cache_control, "no-cache");
               co_return res;
             },
             {.max_body = 0,
              .doc = {.summary = "This document: the OpenAPI 3.1 description of every route",
                      .tag = "operations",
                      .security = "public",
                      .answers = {json_answer("OpenApiDocument")},
                      .errors = {429}}});
  auto page = [shared](http::Request& req) -> http::asio::awaitable<Result<http::Response>> {
    auto file = req.param("file");
    co_return docs_file(shared->web_root, req, file.empty() ? "index.html" : file);
  };
  router.add(bhttp::verb::get, "/api/docs", page,
             {.max_body = 0,
              .doc = {.summary = "Interactive API docs (Swagger UI)",
                      .tag = "operations",
                      .security = "public",
                      .answers = {{.status = 200, .description = "The page", .content = {{"text/html"}}}},
                      .errors = {404, 429}}});
  router.add(bhttp::verb::get, "/api/docs/{file}", page,
             {.max_body = 0,
              .doc = {.summary = "The interactive docs' scripts and styles",
                      .tag = "operations",
                      .security = "public",
                      .answers = {{.status = 200,
                                   .description = "The file",
                                   .content = {{"text/javascript"}, {"text/css"}, {"image/png"}}}},
                      .errors = {404, 429}}});
}

}  // namespace

void add_system_routes(http::Router& router, SystemDeps deps) {
  auto shared = std::make_shared<SystemDeps>(std::move(deps));

  router.add(
      bhttp::verb::get, "/api/health",
      [shared](http::Request&) -> http::asio::awaitable<Result<http::Response>> {
        auto& d = *shared;
        // Both probes block (a query, a statvfs): off the I/O threads.
        auto probe = [&d] { return std::pair(d.probe_database(), d.storage_free_bytes()); };
        auto [db, storage] = co_await d.blocking->run(probe);
        boost::json::object body;
        boost::json::object database{{"backend", d.database_backend}, {"ok", db.has_value()}};
        if (db) {
          database["latency_ms"] = db->latency_ms;
          database["schema_version"] = db->schema_version;
        } else {
          database["error"] = db.error().message;
        }
        boost::json::object store{{"ok", storage.has_value()}};
        if (storage)
          store["free_bytes"] = *storage;
        else
          store["error"] = storage.error().message;
        bool healthy = db && storage;
        body["status"] = healthy ? "ok" : "unavailable";
        body["version"] = d.version;
        body["uptime_s"] =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - d.started)
                .count();
        body["database"] = std::move(database);
        body["storage"] = std::move(store);
        auto r = http::json_response(body, healthy ? bhttp::status::ok : bhttp::status::service_unavailable);
        r.headers.set(bhttp::field::cache_control, "no-store");
        if (!healthy) r.headers.set(bhttp::field::retry_after, "5");
        co_return r;
      },
      // Its own generous per-client limit, counted in-process (http::ServerOptions::health_rate_limit).
      {.max_body = 0,
       .rate_policy = "health",
       .doc = {.summary = "Health of the server and its dependencies",
               .tag = "operations",
               .security = "public",
               .answers = {json_answer("Health"),
                           {.status = 503,
                            .description = "A dependency is down (Retry-After)",
                            .content = {{"application/json", "Health"}},
                            .headers = {"Retry-After"}}},
               .errors = {429}}});

  router.add(bhttp::verb::get, "/metrics",
             [shared](http::Request& req) -> http::asio::awaitable<Result<http::Response>> {
               // Prometheus sends the token from its scrape config (authorization: credentials).
               if (auto const& token = shared->metrics_token; !token.empty()) {
                 auto given = req.header("Authorization");
                 std::string const expected = "Bearer " + token;
                 if (given.size() != expected.size() ||
                     sodium_memcmp(given.data(), expected.data(), expected.size()) != 0) {
                   Error e = make_error(ErrorCode::unauthorized, "Metrics need the configured bearer token");
                   e.reason = errc::metrics_token_required.code;
                   co_return e;
                 }
               }
               auto scrape = [&] { return shared->metrics->serialize(); };
               auto text = co_await shared->blocking->run(scrape);
               auto r = http::text_response(std::move(text), "text/plain; version=0.0.4; charset=utf-8");
               r.headers.set(bhttp::field::cache_control, "no-store");
               co_return r;
             },
             {.max_body = 0,
              .rate_policy = "",
              .doc = {.summary = "Prometheus metrics",
                      .tag = "operations",
                      .security = "metrics",
                      .answers = {{.status = 200,
                                   .description = "Prometheus text format 0.0.4",
                                   .content = {{"text/plain"}}}},
                      .errors = {401}}});

  add_docs_routes(router, shared);
}

}  // namespace astropixel::api
