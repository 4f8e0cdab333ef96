#pragma once
// What a route handler sees of a request. The body is not read until the handler asks: it streams
// through BodyReader, so a 40 GB upload never sits in memory.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/log.hpp"

namespace astropixel::http {

namespace asio = boost::asio;
namespace beast_http = boost::beast::http;

class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Reads up to out.size() body bytes; 0 means the body is complete.
  // Errors: payload_too_large past the route's body limit; bad_request when the client breaks off or
  // sends a malformed body.
  virtual asio::awaitable<Result<std::size_t>> read_some(std::span<char> out) = 0;
  // Reads the whole body (at most the route's body limit) into memory: for small JSON bodies only.
  asio::awaitable<Result<std::string>> read_all();
  virtual std::optional<std::uint64_t> content_length() const = 0;
  virtual std::uint64_t consumed() const = 0;
  virtual bool done() const = 0;
};

struct Request {
  beast_http::verb method = beast_http::verb::get;
  std::string_view method_string;
  std::string_view path;   // percent-encoded path, no query
  std::string_view query;  // after '?', raw
  beast_http::fields const* headers = nullptr;
  std::vector<std::pair<std::string, std::string>> params;  // decoded path parameters
  std::string route;                                        // the matched route pattern
  std::string request_id;
  std::string trace_id, span_id;
  std::string client_ip;
  bool secure_transport = false;  // HTTPS terminated by a trusted proxy (X-Forwarded-Proto: https)
  BodyReader* body = nullptr;

  std::string_view header(std::string_view name) const;
  std::string_view param(std::string_view name) const;
  std::int64_t param_int(std::string_view name) const;
  // Decoded value of a query parameter, if present.
  std::optional<std::string> query_param(std::string_view name) const;
  log::Context log_context() const { return {request_id, trace_id, span_id}; }
};

// Decodes %XX escapes (and '+' as a space in query strings); nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space);

}  // namespace astropixel::http
