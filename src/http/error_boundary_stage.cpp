#include <exception>

#include "core/log.hpp"
#include "http/stages.hpp"

namespace astropixel::http {

Stage error_boundary_stage() {
  return [](Exchange& x, Next next) -> asio::awaitable<Result<Response>> {
    // The error boundary: logged once with the request id; the client learns only what DEBUG allows
    // (the render stage hides an internal error's detail).
    std::string what;
    try {
      co_return co_await next(x);
    } catch (std::exception const& e) {
      what = e.what();
    }
    auto ctx = x.req.log_context();
    log::error("unhandled_exception", {{"error", what}, {"route", x.route_name}}, &ctx);
    co_return make_error(ErrorCode::internal, "Internal server error", what);
  };
}

}  // namespace astropixel::http
