#include "api/system_routes.hpp"

#include <sodium.h>

#include <boost/json.hpp>

#include "core/error_catalogue.hpp"
#include "metrics/metrics.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;

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
      {.max_body = 0, .rate_policy = "health"});

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
             {.max_body = 0, .rate_policy = ""});
}

}  // namespace astropixel::api
