#include <fmt/format.h>

#include "http/stages.hpp"
#include "http/static_files.hpp"

namespace astropixel::http {

namespace bhttp = boost::beast::http;

namespace {

// Paths clients other than a browser ask for (the API, and the tile protocols IIIF viewers and HiPS
// clients fetch): what no route answers there is a 404 in the error contract, never the web app's page
// (which would answer 200 to a HiPS client probing a tile, or to a path no route could split).
bool machine_path(std::string_view path) {
  for (std::string_view prefix : {"/api", "/iiif", "/tiles", "/hips"}) {
    if (path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/')) return true;
  }
  return false;
}

}  // namespace

Stage dispatch_stage(StaticFiles const* static_files) {
  return [static_files](Exchange& x, Next) -> asio::awaitable<Result<Response>> {
    auto& req = x.req;
    if (x.route) co_return co_await x.route->handler(req);
    if (x.allowed_methods) {
      x.route_name = "method_not_allowed";
      x.response_headers.set(bhttp::field::allow, *x.allowed_methods);
      co_return make_error(
          ErrorCode::method_not_allowed, "Method not allowed",
          fmt::format("{} is not allowed here; allowed: {}", req.method_string, *x.allowed_methods));
    }
    if ((req.method == bhttp::verb::get || req.method == bhttp::verb::head) && static_files &&
        !machine_path(req.path)) {
      x.route_name = "static";
      co_return static_files->serve(req);
    }
    co_return make_error(ErrorCode::not_found, "Not found", fmt::format("No route for {}", req.path));
  };
}

}  // namespace astropixel::http
