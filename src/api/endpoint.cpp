#include "api/endpoint.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "api/json_body.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
using bhttp::verb;

namespace {

// The caller as the endpoint's access level requires. Errors: as Authenticator::identify, and
// unauthorized (not_authenticated) or forbidden for callers without the access.
http::asio::awaitable<Result<std::optional<auth::Authenticated>>> caller(Authenticator& authn,
                                                                         http::Request& req, Access access) {
  if (access == Access::unidentified) co_return std::optional<auth::Authenticated>();
  if (access == Access::user) {
    auto who = co_await authn.require_user(req);
    if (!who) co_return who.error();
    co_return std::optional<auth::Authenticated>(std::move(*who));
  }
  auto who = co_await authn.identify(req);
  if (!who) co_return who.error();
  if (access == Access::admin) {
    std::optional<auth::Principal> principal;
    if (*who) principal = (*who)->principal;
    if (auto s = auth::require_admin(principal); !s) co_return s.error();
  }
  co_return std::move(*who);
}

bool has_body(http::Request const& req) {
  return req.body->content_length().value_or(0) > 0 || !req.header("Transfer-Encoding").empty();
}

}  // namespace

http::Response to_response(Answer answer) {
  // Moved, never copied: a tile's body and headers go out as the handler made them.
  if (answer.response) return std::move(*answer.response);
  http::Response res;
  res.status = answer.status;
  if (answer.json) {
    res = http::json_response(*answer.json, answer.status);
    res.headers.set(bhttp::field::cache_control, "no-store");
  }
  return res;
}

http::RouteDoc documented(Endpoint const& endpoint) {
  http::RouteDoc doc = endpoint.doc;
  auto& errors = doc.errors;
  switch (endpoint.access) {
    case Access::anyone:
      doc.security = "optional";
      break;
    case Access::user:
      doc.security = "user";
      errors.push_back(401);
      break;
    case Access::admin:
      doc.security = "admin";
      errors.insert(errors.end(), {401, 403});
      break;
    case Access::unidentified:
      doc.security = "public";
      break;
  }
  // A cookie-authenticated unsafe request must pass the CSRF check (403 csrf_failed).
  bool const safe =
      endpoint.method == verb::get || endpoint.method == verb::head || endpoint.method == verb::options;
  if ((!safe && endpoint.access != Access::unidentified) || endpoint.signs_in) errors.push_back(403);
  if (endpoint.body == Body::json || endpoint.body == Body::optional_json) {
    if (doc.body.empty()) doc.body.push_back({"application/json", "{\"type\":\"object\"}"});
    doc.body_required = endpoint.body == Body::json;
    errors.insert(errors.end(), {400, 413, 415});
  }
  if (endpoint.body == Body::stream) errors.push_back(413);
  if (!endpoint.rate_policy.empty()) errors.push_back(429);
  std::sort(errors.begin(), errors.end());
  errors.erase(std::unique(errors.begin(), errors.end()), errors.end());
  return doc;
}

void add_endpoint(http::Router& router, Authenticator& authn, Endpoint endpoint) {
  auto* a = &authn;
  bool const takes_body = endpoint.body != Body::none;
  http::RouteOptions options{.max_body = takes_body ? endpoint.max_body : 0,
                             .rate_policy = endpoint.rate_policy,
                             .headers = std::move(endpoint.headers),
                             .doc = documented(endpoint)};
  auto access = endpoint.access;
  auto body = endpoint.body;
  auto signs_in = endpoint.signs_in;
  auto precondition = std::move(endpoint.precondition);
  bool const hashes = endpoint.offload == Offload::hashing;
  auto& pool = hashes ? authn.hashing() : authn.blocking();
  auto handler = std::make_shared<std::function<Result<Answer>(Call&)>>(std::move(endpoint.handler));
  auto io_handler = std::make_shared<std::function<http::asio::awaitable<Result<Answer>>(Call&)>>(
      std::move(endpoint.io_handler));
  if (static_cast<bool>(*io_handler) == static_cast<bool>(*handler) || (body == Body::stream && !*io_handler))
    throw std::invalid_argument(
        "endpoint " + endpoint.pattern +
        ": needs exactly one of `handler` and `io_handler` (a streamed body: `io_handler`)");
  router.add(
      endpoint.method, std::move(endpoint.pattern),
      [a, &pool, hashes, access, body, signs_in, precondition, handler,
       io_handler](http::Request& req) -> http::asio::awaitable<Result<http::Response>> {
        if (precondition) {
          if (auto s = precondition(req); !s) co_return s.error();
        }
        auto who = co_await caller(*a, req, access);
        if (!who) co_return who.error();
        Call call{req, {}, {}, {}};
        if (*who) {
          call.who = std::move((*who)->principal);
          call.user = std::move((*who)->user);
        }
        if (signs_in) {
          if (auto s = a->check_sign_in(req); !s) co_return s.error();
        }
        if (body == Body::json || (body == Body::optional_json && has_body(req))) {
          auto parsed = co_await read_json_object(req);
          if (!parsed) co_return parsed.error();
          call.body = std::move(*parsed);
        }
        if (*io_handler) {
          auto answer = co_await (*io_handler)(call);
          if (!answer) co_return answer.error();
          co_return to_response(std::move(*answer));
        }
        auto job = [&handler, &call] { return (*handler)(call); };
        // Hashing's queue is bounded (authn.hpp): a flood of sign-ins is answered 503 past it.
        // (Not a ?: around co_await: GCC 12 destroys such a temporary twice.)
        Result<Answer> answer = make_error(ErrorCode::internal, "Not run");
        if (hashes)
          answer = co_await pool.try_run(job);
        else
          answer = co_await pool.run(job);
        if (!answer) co_return answer.error();
        co_return to_response(std::move(*answer));
      },
      options);
}

}  // namespace astropixel::api
