#include "http/error_table.hpp"
#include "http/stages.hpp"

namespace astropixel::http {

Stage send_stage() {
  return [](Exchange& x, Next next) -> asio::awaitable<Result<Response>> {
    auto result = co_await next(x);
    // The render stage inside answers every error; this is only a guard against a list without it.
    if (!result) result = error_response(result.error(), x.req.request_id, false);
    auto& conn = *x.conn;
    // Keep the connection only when the request body was consumed completely: leftover body bytes
    // would otherwise be read as the next request.
    bool keep_alive = conn.keep_alive_wanted() && conn.request_read() && !x.close;
    boost::system::error_code ec;
    x.bytes_sent = co_await conn.write(*result, x.req.method == beast_http::verb::head, keep_alive, ec);
    x.sent = !ec;
    if (ec) keep_alive = false;
    // Answered before the body was read to its end (413, 401, a cut upload): the client may still
    // be sending it and must be able to read the answer.
    x.after = keep_alive ? After::keep_alive : !ec && !conn.request_read() ? After::linger : After::close;
    co_return result;
  };
}

}  // namespace astropixel::http
