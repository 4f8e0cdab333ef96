#pragma once
// Routes by method and path pattern. A pattern is '/'-separated segments; a segment is a literal or
// a template mixing literals and typed parameters: "{id}", "{z:int}", "{y:int}.{fmt}", and a final
// "{rest:path}" that takes the remaining segments. Parameters are percent-decoded; a decoded segment
// holding '/' or NUL never matches, so parameters cannot smuggle paths.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "http/request.hpp"
#include "http/response.hpp"

namespace astropixel::http {

using Handler = std::function<asio::awaitable<Result<Response>>(Request&)>;

// What the API's OpenAPI document (api/openapi.cpp) says about a route. The router only keeps it
// beside the handler, so the document is generated from the table that serves requests. A schema
// is the name of one in api/openapi_schemas.cpp ("Dataset") or JSON Schema text ('{' first).
struct RouteDoc {
  struct Param {
    std::string name{};
    std::string schema = R"({"type":"string"})";
    std::string description{};
    bool required = false;
  };
  struct Content {
    std::string media_type{};  // "application/json", "image/png", ...
    std::string schema{};      // empty: any bytes of that type
  };
  struct Answer {
    int status = 200;
    std::string description{};
    std::vector<Content> content{};      // none: no body (204, 304)
    std::vector<std::string> headers{};  // response header names, e.g. "Upload-Offset"
  };
  std::string summary{};  // empty: undocumented (tests/integration/test_openapi.py refuses it)
  std::string tag{};
  std::string description{};
  // Who may call: "public" (credentials are not looked at), "optional" (guests too), "user",
  // "admin", or "metrics" (the metrics bearer token when one is configured).
  std::string security = "optional";
  std::vector<Param> query{};
  std::vector<Param> headers{};  // request headers the route reads (tus's Upload-Offset)
  std::vector<Content> body{};   // the request body's media types; none: no body
  bool body_required = true;
  std::vector<Answer> answers{};
  std::vector<int> errors{};  // statuses of error answers (the error contract's JSON)
  // A GET route also answers HEAD. When that is a protocol's own call (tus asks an upload's offset
  // by HEAD), it is described as an operation of its own: its summary and the headers it needs.
  struct Head {
    std::string summary{};
    std::vector<Param> headers{};
  };
  std::optional<Head> head{};
};

struct RouteOptions {
  std::uint64_t max_body = 64 * 1024;   // bytes; larger bodies → 413 after reading no more
  std::string rate_policy = "default";  // name of a rate-limit policy; empty = not limited
  // Fields every answer of the route gets, errors included (the render stage adds them, like CORS):
  // a protocol's own headers, such as tus's Tus-Resumable.
  beast_http::fields headers{};
  RouteDoc doc{};
};

struct Route {
  beast_http::verb method;
  std::string pattern;
  Handler handler;
  RouteOptions options;
};

class Router {
 public:
  struct Found {
    Route const* route = nullptr;
    std::vector<std::pair<std::string, std::string>> params;
  };
  struct MethodNotAllowed {
    std::string allow;  // "GET, HEAD, POST"
  };
  struct NotFound {};
  using Match = std::variant<Found, MethodNotAllowed, NotFound>;

  // Throws std::invalid_argument for a malformed pattern (a programming error, found at start-up).
  void add(beast_http::verb method, std::string pattern, Handler handler, RouteOptions options = {});
  // HEAD is answered by GET routes.
  Match match(beast_http::verb method, std::string_view path) const;
  // Every route, in the order added: what the OpenAPI document and its tests read.
  std::vector<Route const*> routes() const;

 private:
  enum class ParamType { str, integer, path };
  struct Part {
    std::string literal;  // when name is empty
    std::string name;
    ParamType type = ParamType::str;
  };
  struct Compiled {
    Route route;
    std::vector<std::vector<Part>> segments;
    // A cheap first test: the segment count (or the minimum, before a path parameter) and the
    // segments that are whole literals ("api", "datasets").
    std::optional<std::size_t> rest_at;
    std::vector<std::pair<std::size_t, std::string>> literals;
  };
  static std::vector<std::vector<Part>> compile(std::string_view pattern);
  static bool match_route(Compiled const& c, std::vector<std::string> const& segments,
                          std::vector<std::pair<std::string, std::string>>& params);
  std::vector<Compiled> routes_;
};

// Splits a path into percent-decoded segments; nullopt when it is not a valid absolute path or a
// segment decodes to something holding '/' or NUL.
std::optional<std::vector<std::string>> split_path(std::string_view path);

}  // namespace astropixel::http
