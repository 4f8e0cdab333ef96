#include "http/stages.hpp"

namespace astropixel::http {

Stage route_stage(Router const& router) {
  return [&router](Exchange& x, Next next) -> asio::awaitable<Result<Response>> {
    auto match = router.match(x.req.method, x.req.path);
    if (auto* found = std::get_if<Router::Found>(&match)) {
      x.route = found->route;
      x.route_name = found->route->pattern;
      x.req.route = found->route->pattern;
      x.req.params = std::move(found->params);
      for (auto const& f : found->route->options.headers) x.response_headers.set(f.name_string(), f.value());
    } else if (auto* bad_method = std::get_if<Router::MethodNotAllowed>(&match)) {
      x.allowed_methods = std::move(bad_method->allow);
    }
    co_return co_await next(x);
  };
}

}  // namespace astropixel::http
