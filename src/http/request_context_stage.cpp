#include <boost/beast/core/string.hpp>

#include "http/request_id.hpp"
#include "http/stages.hpp"

namespace astropixel::http {

Stage request_context_stage(ClientIpResolver const& client_ip) {
  return [&client_ip](Exchange& x, Next next) -> asio::awaitable<Result<Response>> {
    auto& req = x.req;
    auto const& h = *req.headers;
    req.request_id = choose_request_id(h["X-Request-ID"]);
    if (auto tp = parse_traceparent(h["traceparent"])) {
      req.trace_id = std::move(tp->trace_id);
      req.span_id = std::move(tp->parent_id);
    }
    auto xff = h["X-Forwarded-For"];
    req.client_ip = xff.empty() ? std::string(x.peer_text) : client_ip.resolve(x.peer, xff);
    req.secure_transport =
        client_ip.trusted(x.peer) && boost::beast::iequals(h["X-Forwarded-Proto"], "https");
    co_return co_await next(x);
  };
}

}  // namespace astropixel::http
