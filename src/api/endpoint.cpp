#include "api/endpoint.hpp"

#include <boost/json/serialize.hpp>

#include "api/json_body.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;

namespace {

// The caller as the endpoint's access level requires. Errors: as Authenticator::identify, and
// unauthorized (not_authenticated) or forbidden for callers without the access.
http::asio::awaitable<Result<std::optional<auth::Principal>>> caller(Authenticator& authn, http::Request& req,
                                                                     Access access) {
  if (access == Access::user) {
    auto who = co_await authn.require_user(req);
    if (!who) co_return who.error();
    co_return std::optional<auth::Principal>(who->principal);
  }
  auto who = co_await authn.identify(req);
  if (!who) co_return who.error();
  std::optional<auth::Principal> principal;
  if (*who) principal = (*who)->principal;
  if (access == Access::admin) {
    if (auto s = auth::require_admin(principal); !s) co_return s.error();
  }
  co_return principal;
}

bool has_body(http::Request const& req) {
  return req.body->content_length().value_or(0) > 0 || !req.header("Transfer-Encoding").empty();
}

}  // namespace

http::Response to_response(Answer const& answer) {
  if (answer.response) return *answer.response;
  http::Response res;
  res.status = answer.status;
  if (answer.json) {
    res = http::json_response(*answer.json, answer.status);
    res.headers.set(bhttp::field::cache_control, "no-store");
  }
  return res;
}

void add_endpoint(http::Router& router, Authenticator& authn, Endpoint endpoint) {
  auto* a = &authn;
  http::RouteOptions options{.max_body = endpoint.body == Body::none ? 0 : endpoint.max_body,
                             .rate_policy = endpoint.rate_policy};
  auto access = endpoint.access;
  auto body = endpoint.body;
  auto handler = std::make_shared<std::function<Result<Answer>(Call&)>>(std::move(endpoint.handler));
  router.add(
      endpoint.method, std::move(endpoint.pattern),
      [a, access, body, handler](http::Request& req) -> http::asio::awaitable<Result<http::Response>> {
        auto who = co_await caller(*a, req, access);
        if (!who) co_return who.error();
        Call call{req, std::move(*who), {}};
        if (body == Body::json || (body == Body::optional_json && has_body(req))) {
          auto parsed = co_await read_json_object(req);
          if (!parsed) co_return parsed.error();
          call.body = std::move(*parsed);
        }
        auto job = [&handler, &call] { return (*handler)(call); };
        auto answer = co_await a->blocking().run(job);
        if (!answer) co_return answer.error();
        co_return to_response(*answer);
      },
      options);
}

}  // namespace astropixel::api
