#pragma once
// A declared endpoint: what it answers (method and pattern), who may call it, what body it reads,
// its body limit and rate policy, and a named handler that is a plain function. The adapter owns
// the rest, once for every endpoint: identifying the caller (and so the CSRF check), refusing
// guests or non-admins, reading and parsing a JSON body, running the handler on the blocking pool
// (handlers may use the database), `Cache-Control: no-store` on JSON answers, and empty answers.
//
// A new endpoint is a declaration plus a function:
//
//   Result<Answer> get_dataset(Call& call, DatasetService& ds) {
//     auto d = ds.get(call.who, std::string(call.param("id")));
//     if (!d) return d.error();
//     return Answer::ok(dataset_json(*d, call.who));
//   }
//   add_endpoint(router, authn, {.method = verb::get, .pattern = "/api/datasets/{id}",
//                                .handler = [ds](Call& c) { return get_dataset(c, *ds); }});
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "api/authn.hpp"
#include "http/router.hpp"

namespace astropixel::api {

enum class Access {
  anyone,  // guests too; `Call::who` says who is calling, if anyone
  user,    // signed in, else 401 not_authenticated
  admin,   // the admin role, else 403 (401 for guests)
  // Nobody is identified: signing in and refreshing, where a stale or expired session the client
  // still presents must not stand in the way.
  unidentified,
};

enum class Body {
  none,           // a body is refused by the route's limit (0 bytes)
  json,           // a JSON object, required
  optional_json,  // a JSON object, or nothing at all ({} then)
  ignored,        // allowed up to the limit and never read (clients that send `{}` anyway)
  stream,         // read by the handler itself, as it arrives (with `Endpoint::io_handler`)
};

// Where `handler` runs: the blocking pool (database and file work), or the password-hashing pool
// (its own few threads, so a sign-in flood queues there and never takes the others).
// `io_handler`s run on the I/O thread and offload their own blocking work.
enum class Offload { blocking, hashing };

// What the handler sees.
struct Call {
  http::Request& request;
  std::optional<auth::Principal> who;
  boost::json::object body;
  std::optional<auth::User> user;  // the caller's account, with Access::user
  std::string_view param(std::string_view name) const { return request.param(name); }
  std::optional<std::string> query(std::string_view name) const { return request.query_param(name); }
};

// What the handler answers: a JSON body with a status, no content, or (files, CSV) a response of
// its own making.
struct Answer {
  boost::beast::http::status status = boost::beast::http::status::ok;
  std::optional<boost::json::value> json;
  std::optional<http::Response> response;
  static Answer ok(boost::json::value v) { return {boost::beast::http::status::ok, std::move(v), {}}; }
  static Answer created(boost::json::value v) {
    return {boost::beast::http::status::created, std::move(v), {}};
  }
  static Answer accepted(boost::json::value v) {
    return {boost::beast::http::status::accepted, std::move(v), {}};
  }
  static Answer no_content() { return {boost::beast::http::status::no_content, std::nullopt, {}}; }
  static Answer of(http::Response r) { return {r.status, std::nullopt, std::move(r)}; }
};

struct Endpoint {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string pattern;
  Access access = Access::anyone;
  Body body = Body::none;
  std::uint64_t max_body = 16 * 1024;  // for Body::json and optional_json
  std::string rate_policy = "default";
  // A protocol's own precondition, checked before anything else, the caller included (tus's
  // version check answers 412 before 401).
  std::function<Status(http::Request const&)> precondition{};
  // The request signs in (register, login): before its body is read, it must be JSON and come from
  // an allowed Origin (Authenticator::check_sign_in).
  bool signs_in = false;
  Offload offload = Offload::blocking;
  // Fields every answer gets, errors included (tus's Tus-Resumable).
  boost::beast::http::fields headers{};
  // Exactly one of the two handlers. `handler` runs on the `offload` pool while the request waits.
  std::function<Result<Answer>(Call&)> handler{};
  // A coroutine on the I/O thread that offloads its own blocking work: streamed bodies (it reads
  // `call.request.body` as it arrives, Body::stream requires it) and the tile service, whose hot
  // path (a cached index, a read of stored bytes) must not queue behind the database's work.
  std::function<http::asio::awaitable<Result<Answer>>(Call&)> io_handler{};
  // What the OpenAPI document says (api/openapi.cpp): summary, tag, query parameters, body and
  // answers. add_endpoint fills in what the declaration already says: the security from `access`,
  // whether a JSON body is required, and the error answers that access, body and rate policy
  // bring (401, 403, 400/413/415, 429).
  http::RouteDoc doc{};
};

// Shorthands for docs records: a JSON answer of a schema named in api/openapi_schemas.cpp, an
// answer without a body, and a JSON request body.
inline http::RouteDoc::Answer json_answer(std::string schema, int status = 200) {
  return {.status = status, .description = {}, .content = {{"application/json", std::move(schema)}}};
}
inline http::RouteDoc::Answer empty_answer(std::string description = "Done", int status = 204) {
  return {.status = status, .description = std::move(description)};
}
inline std::vector<http::RouteDoc::Content> json_body(std::string schema) {
  return {{"application/json", std::move(schema)}};
}

// Registers the endpoint (throws std::invalid_argument for a malformed pattern, at start-up).
void add_endpoint(http::Router& router, Authenticator& authn, Endpoint endpoint);

// The route documentation the declaration stands for: `endpoint.doc` completed from its access,
// body and rate policy (exposed for tests).
http::RouteDoc documented(Endpoint const& endpoint);

// The response an Answer becomes (exposed for tests).
http::Response to_response(Answer answer);

}  // namespace astropixel::api
