#pragma once
// Test doubles for the pipeline's unit tests: an in-memory connection and a way to run a stage
// with a chosen rest of the pipeline.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/http/fields.hpp>
#include <functional>
#include <optional>
#include <string>

#include "http/pipeline.hpp"

namespace astropixel::http::testing {

class MemoryBody final : public BodyReader {
 public:
  asio::awaitable<Result<std::size_t>> read_some(std::span<char>) override { co_return std::size_t{0}; }
  std::optional<std::uint64_t> content_length() const override { return std::nullopt; }
  std::uint64_t consumed() const override { return 0; }
  bool done() const override { return true; }
};

struct FakeConnection final : Connection {
  std::optional<std::uint64_t> declared_length;
  bool broken = false;
  bool read = true;
  bool keep_alive = true;
  bool fail_write = false;
  std::optional<std::uint64_t> opened_limit;
  std::optional<Response> written;
  bool written_head = false, written_keep_alive = false;
  MemoryBody body;

  BodyReader& open_body(std::uint64_t limit) override {
    opened_limit = limit;
    return body;
  }
  std::optional<std::uint64_t> content_length() const override { return declared_length; }
  bool body_broken() const override { return broken; }
  bool request_read() const override { return read; }
  bool keep_alive_wanted() const override { return keep_alive; }
  asio::awaitable<std::size_t> write(Response& r, bool head, bool keep,
                                     boost::system::error_code& ec) override {
    if (fail_write) {
      ec = boost::asio::error::broken_pipe;
      co_return 0;
    }
    written = r;
    written_head = head;
    written_keep_alive = keep;
    co_return head ? 0 : r.body.size();
  }
};

// An exchange for `method path` with `headers`, on a fake connection.
struct TestExchange {
  boost::beast::http::fields headers;
  FakeConnection conn;
  Exchange x;
  explicit TestExchange(beast_http::verb method = beast_http::verb::get, std::string_view path = "/api/x") {
    x.req.method = method;
    x.req.method_string = beast_http::to_string(method);
    x.req.path = path;
    x.req.headers = &headers;
    x.req.request_id = "req-1";
    x.req.client_ip = "192.0.2.1";
    x.conn = &conn;
  }
};

using Inner = std::function<Result<Response>(Exchange&)>;

// Runs `stage` on `x` with `inner` as the rest of the pipeline; nullopt inner = the rest answers 404.
inline Result<Response> run_stage(Stage stage, Exchange& x, Inner inner = {}) {
  Pipeline p;
  p.then("under_test", std::move(stage));
  if (inner) {
    p.then("inner",
           [inner](Exchange& ex, Next) -> asio::awaitable<Result<Response>> { co_return inner(ex); });
  }
  asio::io_context io;
  auto f = asio::co_spawn(io, p.run(x), asio::use_future);
  io.run();
  return f.get();
}

inline Result<Response> ok_inner(Exchange&) {
  Response r;
  r.body = "ok";
  return r;
}

}  // namespace astropixel::http::testing
