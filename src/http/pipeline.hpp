#pragma once
// The request pipeline: an ordered list of stages every request passes, outermost first. A stage
// is `awaitable<Result<Response>>(Exchange&, Next)`: it may answer by itself (a refused preflight,
// a 429), or call `next` and work on what comes back (add headers, render an error, log). The
// server composes the list once (http/server.cpp, `make_pipeline`); each stage is one file here with
// its own unit test. Connection-level limits (connection caps, first-byte deadline, body rate) stay
// in the session, below the pipeline; everything per request is a stage.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"
#include "http/response.hpp"
#include "http/router.hpp"

namespace astropixel::http {

// The session's side of one request: the body still on the socket, and the socket to answer on.
// The server implements it over Beast; unit tests implement it in memory.
class Connection {
 public:
  virtual ~Connection() = default;
  // Opens the request body for streaming under `limit` bytes; valid until the answer is written.
  virtual BodyReader& open_body(std::uint64_t limit) = 0;
  virtual std::optional<std::uint64_t> content_length() const = 0;
  // The body was cut (too large, too slow, broken off): the connection cannot carry another request.
  virtual bool body_broken() const = 0;
  // The whole request, body included, has been read.
  virtual bool request_read() const = 0;
  // The client asked to keep the connection, and the server is not shutting down.
  virtual bool keep_alive_wanted() const = 0;
  // Writes the answer; returns the body bytes sent. `ec` is set when the write failed.
  virtual asio::awaitable<std::size_t> write(Response& response, bool head, bool keep_alive,
                                             boost::system::error_code& ec) = 0;
};

// What happens to the connection after the answer: read the next request, close, or close lingering
// because the client may still be sending the request the answer cut short.
enum class After { keep_alive, close, linger };

// One request on its way through the pipeline, with what the stages learn about it.
struct Exchange {
  Request req;  // method, path and headers are set by the session; the stages add the rest
  Connection* conn = nullptr;
  boost::asio::ip::address peer;  // the other end of the connection
  std::string_view peer_text;     // its text form, resolved once per connection
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  // A route pattern or a fixed name ("preflight", "static", ...), for logs and metrics: never the
  // raw path, so metric labels stay bounded. Points at storage that outlives the request.
  std::string_view route_name = "unmatched";
  Route const* route = nullptr;                // set by the route stage when a route matched
  std::optional<std::string> allowed_methods;  // set by the route stage on a 405
  bool preflight = false;                      // a CORS preflight, answered by the cors stage
  // Fields every answer gets, also an error's (CORS, RateLimit, Allow): inner stages add them here
  // because an Error carries no headers; the render stage copies them into the response.
  boost::beast::http::fields response_headers;
  bool close = false;  // the connection must end after this answer
  // Set by the send stage.
  std::size_t bytes_sent = 0;
  After after = After::close;
  bool sent = false;
};

class Pipeline;

// The rest of the pipeline after the current stage.
class Next {
 public:
  Next(Pipeline const& pipeline, std::size_t index) : pipeline_(&pipeline), index_(index) {}
  asio::awaitable<Result<Response>> operator()(Exchange& x) const;

 private:
  Pipeline const* pipeline_;
  std::size_t index_;
};

using Stage = std::function<asio::awaitable<Result<Response>>(Exchange&, Next)>;

class Pipeline {
 public:
  // Appends a stage; the first added is the outermost. Past the last stage, `next` answers 404.
  Pipeline& then(std::string name, Stage stage);
  asio::awaitable<Result<Response>> run(Exchange& x) const { return call(0, x); }
  std::vector<std::string> names() const;

 private:
  friend class Next;
  asio::awaitable<Result<Response>> call(std::size_t index, Exchange& x) const;
  struct Named {
    std::string name;
    Stage stage;
  };
  std::vector<Named> stages_;
};

}  // namespace astropixel::http
