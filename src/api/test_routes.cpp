#include "api/test_routes.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <stdexcept>

#include "api/openapi.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
using http::asio::awaitable;

namespace {
int query_ms(http::Request const& req) {
  auto v = req.query_param("ms");
  int ms = v ? std::atoi(v->c_str()) : 0;
  return std::clamp(ms, 0, 60'000);
}
}  // namespace

void add_test_routes(http::Router& router, TestDeps deps) {
  auto shared = std::make_shared<TestDeps>(std::move(deps));
  http::RouteOptions opts{.max_body = 0, .rate_policy = ""};

  // The router's whole table, for tests/integration/test_openapi.py to compare with the OpenAPI
  // document, and what the document could not describe (routes without docs, stale side docs).
  auto* table = &router;
  router.add(
      bhttp::verb::get, "/api/_test/routes",
      [table](http::Request&) -> awaitable<Result<http::Response>> {
        boost::json::array routes;
        for (auto const* route : table->routes()) {
          routes.push_back({{"method", bhttp::to_string(route->method)},
                            {"pattern", route->pattern},
                            {"path", openapi_path(route->pattern).path},
                            {"test_only", is_test_only(route->pattern)}});
        }
        auto doc = openapi_document(*table, "test");
        boost::json::array undocumented(doc.undocumented.begin(), doc.undocumented.end());
        co_return http::json_response(
            {{"routes", std::move(routes)}, {"undocumented", std::move(undocumented)}});
      },
      opts);

  router.add(
      bhttp::verb::get, "/api/_test/throw",
      [](http::Request&) -> awaitable<Result<http::Response>> {
        throw std::runtime_error("injected failure at /srv/secret/path.cpp:42 (SELECT * FROM users)");
        co_return http::Response{};
      },
      opts);

  // Copies the decoded `value` query parameter into a response header, as a careless route would:
  // the server must refuse to send a value holding control characters.
  router.add(
      bhttp::verb::get, "/api/_test/echo-header",
      [](http::Request& req) -> awaitable<Result<http::Response>> {
        http::Response res;
        res.status = bhttp::status::no_content;
        res.headers.set("X-Echo", req.query_param("value").value_or(""));
        co_return res;
      },
      opts);

  router.add(
      bhttp::verb::get, "/api/_test/sleep",
      [](http::Request& req) -> awaitable<Result<http::Response>> {
        boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
        timer.expires_after(std::chrono::milliseconds(query_ms(req)));
        co_await timer.async_wait(boost::asio::use_awaitable);
        co_return http::json_response({{"slept_ms", query_ms(req)}});
      },
      opts);

  router.add(
      bhttp::verb::get, "/api/_test/hold-db",
      [shared](http::Request& req) -> awaitable<Result<http::Response>> {
        int ms = query_ms(req);
        auto job = [shared, ms] { return shared->hold_database(ms); };
        auto held = co_await shared->blocking->run(job);
        if (!held) co_return held.error();
        co_return http::json_response({{"held_ms", ms}});
      },
      opts);

  // Streams the body, counting bytes: exercises per-route body limits, chunked bodies, 100-continue.
  router.add(bhttp::verb::post, "/api/_test/free-bytes",
             [shared](http::Request& req) -> awaitable<Result<http::Response>> {
               auto v = req.query_param("bytes");
               if (!v || v->empty()) {
                 shared->set_free_bytes(std::nullopt);
               } else {
                 std::uint64_t n = 0;
                 auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
                 if (ec != std::errc() || p != v->data() + v->size())
                   co_return make_error(ErrorCode::validation, "bytes must be a whole number");
                 shared->set_free_bytes(n);
               }
               http::Response r;
               r.status = bhttp::status::no_content;
               co_return r;
             },
             {.max_body = 0, .rate_policy = ""});

  router.add(bhttp::verb::post, "/api/_test/slow-builds",
             [shared](http::Request& req) -> awaitable<Result<http::Response>> {
               shared->slow_builds(query_ms(req));
               http::Response r;
               r.status = bhttp::status::no_content;
               co_return r;
             },
             {.max_body = 0, .rate_policy = ""});

  router.add(bhttp::verb::post, "/api/_test/crash-builds",
             [shared](http::Request& req) -> awaitable<Result<http::Response>> {
               shared->crash_builds(req.query_param("on").value_or("") == "true");
               http::Response r;
               r.status = bhttp::status::no_content;
               co_return r;
             },
             {.max_body = 0, .rate_policy = ""});

  router.add(bhttp::verb::post, "/api/_test/hold-sweeps",
             [shared](http::Request& req) -> awaitable<Result<http::Response>> {
               shared->hold_sweeps(req.query_param("kind").value_or(""));
               http::Response r;
               r.status = bhttp::status::no_content;
               co_return r;
             },
             {.max_body = 0, .rate_policy = ""});

  router.add(bhttp::verb::post, "/api/_test/build-fault",
             [shared](http::Request& req) -> awaitable<Result<http::Response>> {
               auto kind = req.query_param("kind").value_or("");
               if (kind != "" && kind != "hang" && kind != "environ" && !kind.starts_with("network:") &&
                   !kind.starts_with("write:"))
                 co_return make_error(ErrorCode::validation,
                                      "kind must be hang, network:PORT, write:PATH, environ or empty");
               shared->build_fault(kind);
               http::Response r;
               r.status = bhttp::status::no_content;
               co_return r;
             },
             {.max_body = 0, .rate_policy = ""});

  router.add(bhttp::verb::post, "/api/_test/probe-fault",
             [shared](http::Request& req) -> awaitable<Result<http::Response>> {
               auto kind = req.query_param("kind").value_or("");
               if (kind != "" && kind != "crash" && kind != "hang")
                 co_return make_error(ErrorCode::validation, "kind must be crash, hang or empty");
               shared->probe_fault(kind);
               http::Response r;
               r.status = bhttp::status::no_content;
               co_return r;
             },
             {.max_body = 0, .rate_policy = ""});

  router.add(bhttp::verb::post, "/api/_test/echo-size",
             [](http::Request& req) -> awaitable<Result<http::Response>> {
               std::vector<char> buf(64 * 1024);
               std::uint64_t total = 0;
               for (;;) {
                 auto n = co_await req.body->read_some(buf);
                 if (!n) co_return n.error();
                 if (*n == 0) break;
                 total += *n;
               }
               co_return http::json_response({{"bytes", total}});
             },
             {.max_body = 1024 * 1024, .rate_policy = ""});
}

}  // namespace astropixel::api
