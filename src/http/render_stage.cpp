#include "core/log.hpp"
#include "http/error_table.hpp"
#include "http/stages.hpp"

namespace astropixel::http {

Stage render_stage(bool debug) {
  return [debug](Exchange& x, Next next) -> asio::awaitable<Result<Response>> {
    auto result = co_await next(x);
    Response response;
    if (result) {
      response = std::move(*result);
    } else {
      auto const& e = result.error();
      if (e.code == ErrorCode::internal || e.code == ErrorCode::unavailable) {
        auto ctx = x.req.log_context();
        log::write(e.code == ErrorCode::internal ? log::Level::error : log::Level::warn, "request_failed",
                   {{"code", e.machine_code()},
                    {"message", e.message},
                    {"detail", e.detail},
                    {"route", x.route_name}},
                   &ctx);
      }
      response = error_response(e, x.req.request_id, debug);
      // The body may still be arriving; the connection cannot carry another request.
      if (e.code == ErrorCode::payload_too_large) x.close = true;
    }
    for (auto const& f : x.response_headers) response.headers.set(f.name_string(), f.value());
    response.headers.set("X-Request-ID", x.req.request_id);
    co_return response;
  };
}

}  // namespace astropixel::http
