#include "core/log.hpp"
#include "http/error_table.hpp"
#include "http/response_head.hpp"
#include "http/stages.hpp"

namespace astropixel::http {

Stage header_guard_stage(bool debug) {
  return [debug](Exchange& x, Next next) -> asio::awaitable<Result<Response>> {
    auto result = co_await next(x);
    if (!result) co_return result;
    if (auto bad = first_unsafe_field(result->headers)) {
      auto ctx = x.req.log_context();
      log::error("unsafe_response_header", {{"field", *bad}, {"route", x.route_name}}, &ctx);
      // Replaced whole: none of the fields the failed answer collected (CORS, RateLimit) is kept.
      Response r = error_response(make_error(ErrorCode::internal, "Internal server error",
                                             "A response header field held a control character: " + *bad),
                                  x.req.request_id, debug);
      r.headers.set("X-Request-ID", x.req.request_id);
      co_return r;
    }
    co_return result;
  };
}

}  // namespace astropixel::http
