#include "http/stages.hpp"

namespace astropixel::http {

namespace bhttp = boost::beast::http;

Stage cors_stage(CorsPolicy cors) {
  return [cors = std::move(cors)](Exchange& x, Next next) -> asio::awaitable<Result<Response>> {
    auto const& h = *x.req.headers;
    std::string_view const origin = h[bhttp::field::origin];
    if (x.req.method == bhttp::verb::options && !h[bhttp::field::access_control_request_method].empty()) {
      x.preflight = true;
      x.route_name = "preflight";
      Response r;
      if (!cors.preflight(origin, h[bhttp::field::access_control_request_method],
                          h[bhttp::field::access_control_request_headers], r.headers)) {
        co_return make_error(ErrorCode::forbidden, "Origin not allowed",
                             "CORS preflight refused for this origin");
      }
      r.status = bhttp::status::no_content;
      co_return r;
    }
    // Collected before the inner stages run, so an answer from an exception still carries them.
    if (!origin.empty()) cors.apply(origin, x.response_headers);
    co_return co_await next(x);
  };
}

}  // namespace astropixel::http
