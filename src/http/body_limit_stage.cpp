#include <fmt/format.h>

#include "http/stages.hpp"

namespace astropixel::http {

Stage body_limit_stage() {
  return [](Exchange& x, Next next) -> asio::awaitable<Result<Response>> {
    if (!x.route) co_return co_await next(x);
    auto const limit = x.route->options.max_body;
    if (auto cl = x.conn->content_length(); cl && *cl > limit) {
      co_return make_error(ErrorCode::payload_too_large, "Request body too large",
                           fmt::format("The body limit for this route is {} bytes", limit));
    }
    x.req.body = &x.conn->open_body(limit);
    auto result = co_await next(x);
    x.req.body = nullptr;
    if (x.conn->body_broken()) x.close = true;
    co_return result;
  };
}

}  // namespace astropixel::http
