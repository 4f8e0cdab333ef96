#include "http/server.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "core/error_catalogue.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "http/client_ip.hpp"
#include "http/cors.hpp"
#include "http/error_table.hpp"
#include "http/pipeline.hpp"
#include "http/response_head.hpp"
#include "http/stages.hpp"
#include "ratelimit/memory_limiter.hpp"

namespace astropixel::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Parser = bhttp::request_parser<bhttp::buffer_body>;

namespace {

constexpr std::size_t kReadBufferReserve = 256 * 1024;  // see the flat_buffer gotcha in stack.md
constexpr std::size_t kFileChunk = 64 * 1024;
constexpr std::size_t kReaderChunk = 1024 * 1024;
// A lingering close reads and drops at most this much of what the client is still sending, for at
// most this long (RFC 9112 section 9.6).
constexpr std::uint64_t kLingerBytes = 4 << 20;
constexpr std::chrono::milliseconds kLingerTime{2000};
// Refused connections (over a cap) get a short answer and a brief linger; past this many being
// refused at once, further ones are closed without an answer.
constexpr std::size_t kMaxRefusing = 256;
constexpr std::uint64_t kRefuseLingerBytes = 64 << 10;
constexpr std::chrono::milliseconds kRefuseLingerTime{1000};

bool is_timeout(error_code const& ec) {
  return ec == beast::error::timeout;
}

// Ends a connection the server chose to close while the client may still be sending (an answer
// given before the request was read to its end): half-close, then read and drop what keeps coming
// for a bounded time and size, so the client's writes do not meet a reset that destroys the
// answer before it reads it. Ends early when the client closes.
asio::awaitable<void> linger_close(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                   std::uint64_t max_bytes, std::chrono::milliseconds max_time) {
  error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  std::uint64_t dropped = buffer.size();
  buffer.clear();
  stream.expires_after(max_time);
  while (dropped < max_bytes) {
    std::size_t n = co_await stream.async_read_some(buffer.prepare(kFileChunk),
                                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    dropped += n;
  }
  stream.socket().close(ec);
}

// Streams a request body to the handler straight from the socket, under a pause limit and a
// minimum average rate.
class SessionBodyReader final : public BodyReader {
 public:
  using Clock = std::chrono::steady_clock;

  SessionBodyReader(beast::tcp_stream& stream, beast::flat_buffer& buffer, Parser& parser,
                    std::uint64_t limit, std::chrono::seconds timeout, std::uint64_t min_rate)
      : stream_(stream),
        buffer_(buffer),
        parser_(parser),
        limit_(limit),
        timeout_(timeout),
        min_rate_(min_rate),
        budget_(timeout) {
    auto const& h = parser_.get();
    expect_continue_ = beast::iequals(h[bhttp::field::expect], "100-continue");
  }

  asio::awaitable<Result<std::size_t>> read_some(std::span<char> out) override {
    if (parser_.is_done() || out.empty()) co_return std::size_t{0};
    if (expect_continue_) {
      expect_continue_ = false;
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
      error_code ec;
      stream_.expires_after(timeout_);
      co_await bhttp::async_write(stream_, cont, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return make_error(ErrorCode::bad_request, "Client disconnected", ec.message());
    }
    if (too_slow_) co_return too_slow();
    // Never ask for more than one byte past the limit: a body over the limit is detected after
    // reading no more than limit + 1 bytes of it.
    std::size_t cap = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), limit_ - consumed_ + 1));
    for (;;) {
      auto& body = parser_.get().body();
      body.data = out.data();
      body.size = cap;
      error_code ec;
      // The budget is the time the client may still take: it shrinks while the server waits and
      // grows by 1 s per min_rate bytes, up to the pause limit.
      auto const waiting_since = Clock::now();
      stream_.expires_after(budget_);
      co_await bhttp::async_read_some(stream_, buffer_, parser_,
                                      asio::redirect_error(asio::use_awaitable, ec));
      std::size_t n = cap - body.size;
      if (ec == bhttp::error::need_buffer) ec = {};
      consumed_ += n;
      bool const rate_applied = min_rate_ > 0 && budget_ < timeout_;
      if (min_rate_ > 0) {
        auto earned = std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(static_cast<double>(n) / static_cast<double>(min_rate_)));
        budget_ = std::min<Clock::duration>(timeout_, budget_ - (Clock::now() - waiting_since) + earned);
      }
      if (consumed_ > limit_) {
        broken_ = true;
        co_return make_error(ErrorCode::payload_too_large, "Request body too large",
                             fmt::format("The body limit for this route is {} bytes", limit_));
      }
      if (ec) {
        broken_ = true;
        if (is_timeout(ec)) {
          if (rate_applied) co_return too_slow();
          co_return make_error(ErrorCode::bad_request, "Request body timed out", "body_timeout");
        }
        if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
            ec == asio::error::connection_reset) {
          co_return make_error(ErrorCode::bad_request, "Client disconnected", "The request body ended early");
        }
        co_return make_error(ErrorCode::bad_request, "Malformed request body", ec.message());
      }
      if (!parser_.is_done() && budget_ <= Clock::duration::zero()) {
        // Behind the minimum rate: these bytes still reach the handler (a tus PATCH keeps what
        // arrived), the next read reports the cut.
        broken_ = true;
        too_slow_ = true;
        if (n == 0) co_return too_slow();
      }
      if (n > 0 || parser_.is_done()) co_return n;
    }
  }

  std::optional<std::uint64_t> content_length() const override {
    auto cl = parser_.content_length();
    return cl ? std::optional<std::uint64_t>(*cl) : std::nullopt;
  }
  std::uint64_t consumed() const override { return consumed_; }
  bool done() const override { return parser_.is_done(); }
  bool broken() const { return broken_; }

 private:
  beast::tcp_stream& stream_;
  beast::flat_buffer& buffer_;
  Parser& parser_;
  std::uint64_t limit_;
  std::chrono::seconds timeout_;
  std::uint64_t min_rate_;
  Clock::duration budget_;
  std::uint64_t consumed_ = 0;
  bool expect_continue_ = false;
  bool broken_ = false;
  bool too_slow_ = false;

  Error too_slow() const {
    return make_error(errc::body_too_slow, {},
                      fmt::format("The body arrived slower than {} bytes per second", min_rate_));
  }
};

}  // namespace

// The other end of a connection, and its text form for logs and rate limits.
struct Peer {
  asio::ip::address address;
  std::string text;
};

struct Server::Impl {
  ServerOptions opts;
  Router const& router;
  StaticFiles const* static_files;
  metrics::Metrics* metrics;
  ratelimit::Limiter* limiter;
  CorsPolicy cors;
  ClientIpResolver client_ip;

  // Declared before the io_context: when a shutdown deadline abandons sessions, destroying the
  // io_context destroys their coroutine frames, which still unregister themselves here.
  struct SessionEntry {
    std::function<void()> cancel_if_idle;
  };
  std::mutex sessions_mutex;
  std::set<SessionEntry*> sessions;
  std::atomic<std::size_t> connections{0};
  std::atomic<bool> stopping{false};
  // Open connections per client group (address, IPv6 /64), for the per-client cap; only groups
  // with at least one connection are present.
  std::mutex clients_mutex;
  std::map<ClientGroup, std::size_t> clients;
  std::atomic<std::size_t> refusing{0};
  std::atomic<std::int64_t> last_cap_log_s{0};

  // One io_context per I/O thread, each run by exactly one thread: a connection lives on one
  // context for its whole life, so its handlers never hop threads (no strand locking, no futex
  // wake-ups between threads on the hot path). Context 0 also runs the acceptor, signals and the
  // shutdown timer; new connections are dealt round-robin.
  std::vector<std::unique_ptr<asio::io_context>> contexts = [this] {
    std::vector<std::unique_ptr<asio::io_context>> v;
    for (std::size_t t = 0; t < std::max<std::size_t>(1, opts.io_threads); ++t)
      v.push_back(std::make_unique<asio::io_context>(1));
    return v;
  }();
  asio::io_context& io = *contexts[0];
  std::size_t next_context = 0;
  tcp::acceptor acceptor{io};
  asio::signal_set signals{io, SIGINT, SIGTERM};
  asio::steady_timer shutdown_deadline{io};

  Impl(ServerOptions o, Router const& r, StaticFiles const* s, metrics::Metrics* m, ratelimit::Limiter* l)
      : opts(std::move(o)),
        router(r),
        static_files(s),
        metrics(m),
        limiter(l),
        cors(opts.cors_origins),
        client_ip(opts.trusted_proxies) {}

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(tcp::socket socket);
  asio::awaitable<void> refuse(tcp::socket socket, Error error);
  bool admit_client(std::optional<ClientGroup> const& group);
  void release_client(std::optional<ClientGroup> const& group);
  class SessionConnection;
  // Counts the policies cheap enough to keep in this process (the health probe's).
  ratelimit::MemoryLimiter local_limiter{10'000};
  std::map<std::string, LimitedPolicy> rate_limits() {
    std::map<std::string, LimitedPolicy> out;
    for (auto const& [name, policy] : opts.rate_policies) out[name] = {policy, limiter};
    if (opts.health_rate_limit.limit > 0) out["health"] = {opts.health_rate_limit, &local_limiter};
    return out;
  }
  Pipeline pipeline = make_pipeline();
  Pipeline make_pipeline();
  asio::awaitable<After> handle(beast::tcp_stream& stream, beast::flat_buffer& buffer, Parser& parser,
                                Peer const& peer);
  asio::awaitable<std::size_t> write(beast::tcp_stream& stream, Response& r, bool head, bool keep_alive,
                                     error_code& ec);
  void begin_shutdown();
  void session_ended();
  void stop_all() {
    for (auto& c : contexts) c->stop();
  }
};

Server::Server(ServerOptions options, Router const& router, StaticFiles const* static_files,
               metrics::Metrics* metrics, ratelimit::Limiter* limiter)
    : impl_(std::make_unique<Impl>(std::move(options), router, static_files, metrics, limiter)) {}

Server::~Server() = default;

Result<std::uint16_t> Server::listen() {
  auto& i = *impl_;
  error_code ec;
  auto addr = asio::ip::make_address(i.opts.host, ec);
  if (ec) return make_error(ErrorCode::validation, "HOST is not an IP address", i.opts.host);
  tcp::endpoint ep(addr, i.opts.port);
  i.acceptor.open(ep.protocol(), ec);
  if (!ec) i.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) i.acceptor.bind(ep, ec);
  if (!ec) i.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error(ErrorCode::unavailable, "Cannot listen",
                      fmt::format("{}:{}: {}", i.opts.host, i.opts.port, ec.message()));
  }
  return i.acceptor.local_endpoint().port();
}

int Server::run() {
  auto& i = *impl_;
  i.signals.async_wait([this](error_code ec, int sig) {
    if (ec) return;
    log::info("shutdown_requested", {{"signal", sig}});
    impl_->begin_shutdown();
    // A second signal means "now": no more draining.
    impl_->signals.async_wait([](error_code ec2, int sig2) {
      if (ec2) return;
      log::warn("shutdown_forced", {{"signal", sig2}});
      std::_Exit(128 + sig2);
    });
  });
  asio::co_spawn(i.io, i.accept_loop(), asio::detached);
  // The other contexts have no work until connections arrive: guards keep them running until
  // stop_all().
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < i.contexts.size(); ++t) {
    guards.push_back(asio::make_work_guard(*i.contexts[t]));
    threads.emplace_back([&ctx = *i.contexts[t]] { ctx.run(); });
  }
  i.io.run();
  i.stop_all();
  for (auto& t : threads) t.join();
  log::info("shutdown_complete", {});
  return 0;
}

void Server::Impl::begin_shutdown() {
  if (stopping.exchange(true)) return;
  error_code ec;
  acceptor.close(ec);
  {
    std::lock_guard lock(sessions_mutex);
    for (auto* s : sessions) s->cancel_if_idle();
  }
  if (connections.load() == 0) {
    stop_all();
    return;
  }
  shutdown_deadline.expires_after(opts.shutdown_timeout);
  shutdown_deadline.async_wait([this](error_code e) {
    if (e) return;
    log::warn("shutdown_deadline_reached", {{"connections", connections.load()}});
    stop_all();
  });
}

void Server::Impl::session_ended() {
  if (--connections == 0 && stopping) {
    asio::post(io, [this] { stop_all(); });
  }
}

asio::awaitable<void> Server::Impl::accept_loop() {
  log::info("listening", {{"host", opts.host}, {"port", acceptor.local_endpoint().port()}});
  for (;;) {
    error_code ec;
    auto& home = *contexts[next_context++ % contexts.size()];
    tcp::socket socket = co_await acceptor.async_accept(home, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) co_return;
      log::warn("accept_failed", {{"error", ec.message()}});
      // EMFILE and friends: back off briefly instead of spinning.
      asio::steady_timer t(io, std::chrono::milliseconds(50));
      co_await t.async_wait(asio::use_awaitable);
      continue;
    }
    // Answers leave in a few writes (a file's header, then its chunks); with Nagle's algorithm on, a
    // write after one still unacknowledged waits for the client's delayed ACK, ~40 ms on a kept-alive
    // connection. nginx turns it off too (tcp_nodelay).
    socket.set_option(tcp::no_delay(true), ec);
    auto ex = socket.get_executor();
    if (connections.load() >= opts.max_connections) {
      Error e = make_error(ErrorCode::unavailable, "Too many connections");
      e.retry_after_s = 1;
      asio::co_spawn(ex, refuse(std::move(socket), std::move(e)), asio::detached);
      continue;
    }
    std::optional<ClientGroup> group;
    if (auto peer = socket.remote_endpoint(ec);
        !ec && opts.max_connections_per_client > 0 && !client_ip.trusted(peer.address())) {
      group = client_group(peer.address());
    }
    if (!admit_client(group)) {
      Error e = make_error(ErrorCode::rate_limited, "Too many connections from this address",
                           fmt::format("At most {} connections per client address are served at once",
                                       opts.max_connections_per_client));
      e.retry_after_s = 1;
      asio::co_spawn(ex, refuse(std::move(socket), std::move(e)), asio::detached);
      continue;
    }
    ++connections;
    asio::co_spawn(ex, session(std::move(socket)), [this, group](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (std::exception const& x) {
          log::error("session_failed", {{"error", x.what()}});
        }
      }
      release_client(group);
      session_ended();
    });
  }
}

bool Server::Impl::admit_client(std::optional<ClientGroup> const& group) {
  if (!group) return true;
  std::lock_guard lock(clients_mutex);
  auto& open = clients[*group];
  if (open >= opts.max_connections_per_client) {
    // Logged at most once a second: a client hammering the cap must not flood the log.
    auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
    if (last_cap_log_s.exchange(now) != now) {
      auto addr = asio::ip::make_address_v6(*group);
      log::warn(
          "client_connection_cap_reached",
          {{"client", addr.is_v4_mapped() ? asio::ip::make_address_v4(asio::ip::v4_mapped, addr).to_string()
                                          : addr.to_string() + "/64"},
           {"limit", opts.max_connections_per_client}});
    }
    return false;
  }
  ++open;
  return true;
}

void Server::Impl::release_client(std::optional<ClientGroup> const& group) {
  if (!group) return;
  std::lock_guard lock(clients_mutex);
  if (auto it = clients.find(*group); it != clients.end() && --it->second == 0) clients.erase(it);
}

// Over a connection cap: a short answer instead of a silent queue, sent without waiting for the
// request, then a brief lingering close so that the client reads it.
asio::awaitable<void> Server::Impl::refuse(tcp::socket socket, Error error) {
  if (refusing.load() >= kMaxRefusing) co_return;  // closed by the socket's destructor
  ++refusing;
  struct Done {
    std::atomic<std::size_t>& n;
    ~Done() { --n; }
  } done{refusing};
  beast::tcp_stream stream(std::move(socket));
  stream.expires_after(std::chrono::seconds(1));
  Response r = error_response(error, random_hex(16), false);
  error_code ec;
  co_await write(stream, r, false, false, ec);
  if (ec) co_return;
  beast::flat_buffer scratch;
  co_await linger_close(stream, scratch, kRefuseLingerBytes, kRefuseLingerTime);
}

asio::awaitable<void> Server::Impl::session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  error_code ec;
  Peer peer;
  peer.address = stream.socket().remote_endpoint(ec).address();
  peer.text = client_ip.resolve(peer.address, {});  // once per connection, not per request
  beast::flat_buffer buffer;
  buffer.reserve(kReadBufferReserve);

  // Shared with the shutdown path, which may post a cancel after this session has ended: both run
  // on the session's strand, so `alive` is checked without a race.
  struct Liveness {
    bool idle = true;
    bool alive = true;
    beast::tcp_stream* stream = nullptr;
  };
  auto live = std::make_shared<Liveness>();
  live->stream = &stream;
  bool& idle = live->idle;
  SessionEntry entry;
  entry.cancel_if_idle = [live, ex = stream.get_executor()] {
    asio::post(ex, [live] {
      if (live->alive && live->idle) live->stream->cancel();
    });
  };
  {
    std::lock_guard lock(sessions_mutex);
    sessions.insert(&entry);
  }
  struct Unregister {
    Impl* impl;
    SessionEntry* entry;
    ~Unregister() {
      std::lock_guard lock(impl->sessions_mutex);
      impl->sessions.erase(entry);
    }
  } unregister{this, &entry};
  struct MarkDead {
    Liveness& l;
    ~MarkDead() { l.alive = false; }
  } mark_dead{*live};

  bool first = true;
  After after = After::close;
  for (;;) {
    idle = true;
    if (stopping) break;
    if (buffer.size() == 0) {
      // A new connection must start its request soon: holding sockets open without a word is
      // the cheapest way to take a server's connection slots.
      stream.expires_after(first ? opts.first_byte_timeout : opts.idle_timeout);
      std::size_t n = co_await stream.async_read_some(buffer.prepare(16 * 1024),
                                                      asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      buffer.commit(n);
    }
    idle = false;
    Parser parser;
    parser.header_limit(static_cast<std::uint32_t>(opts.header_limit));
    parser.body_limit(boost::none);  // enforced per route by the body reader
    stream.expires_after(opts.header_timeout);
    co_await bhttp::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || is_timeout(ec) ||
          ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
        break;
      }
      Error e = ec == bhttp::error::header_limit
                    ? make_error(ErrorCode::header_too_large, "Request header fields too large",
                                 fmt::format("The header block is limited to {} bytes", opts.header_limit))
                    : make_error(ErrorCode::bad_request, "Malformed request", ec.message());
      auto rid = random_hex(16);
      Response r = error_response(e, rid, false);
      r.headers.set("X-Request-ID", rid);
      error_code wec;
      co_await write(stream, r, false, false, wec);
      log::info("request_rejected", {{"status", static_cast<int>(status_of(e.code))},
                                     {"error", ec.message()},
                                     {"client_ip", peer.text}});
      if (!wec) after = After::linger;
      break;
    }
    first = false;
    after = co_await handle(stream, buffer, parser, peer);
    if (after != After::keep_alive) break;
  }
  if (after == After::linger) {
    co_await linger_close(stream, buffer, kLingerBytes, kLingerTime);
  } else {
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  }
}

// The session's side of one request, for the pipeline: the body still on the socket and the
// socket to answer on.
class Server::Impl::SessionConnection final : public Connection {
 public:
  SessionConnection(Impl& impl, beast::tcp_stream& stream, beast::flat_buffer& buffer, Parser& parser)
      : impl_(impl), stream_(stream), buffer_(buffer), parser_(parser) {}

  BodyReader& open_body(std::uint64_t limit) override {
    return body_.emplace(stream_, buffer_, parser_, limit, impl_.opts.body_timeout, impl_.opts.body_min_rate);
  }
  std::optional<std::uint64_t> content_length() const override {
    auto cl = parser_.content_length();
    return cl ? std::optional<std::uint64_t>(*cl) : std::nullopt;
  }
  bool body_broken() const override { return body_ && body_->broken(); }
  bool request_read() const override { return parser_.is_done(); }
  bool keep_alive_wanted() const override { return parser_.get().keep_alive() && !impl_.stopping; }
  asio::awaitable<std::size_t> write(Response& response, bool head, bool keep_alive,
                                     error_code& ec) override {
    return impl_.write(stream_, response, head, keep_alive, ec);
  }

 private:
  Impl& impl_;
  beast::tcp_stream& stream_;
  beast::flat_buffer& buffer_;
  Parser& parser_;
  std::optional<SessionBodyReader> body_;
};

// The request pipeline, outermost first: the one place that lists what every request passes
// (docs/architecture.md, "The request pipeline").
Pipeline Server::Impl::make_pipeline() {
  Pipeline p;
  p.then("request_context", request_context_stage(client_ip))
      .then("access_log", access_log_stage(metrics))
      .then("send", send_stage())
      .then("header_guard", header_guard_stage(opts.debug))
      .then("render", render_stage(opts.debug))
      .then("error_boundary", error_boundary_stage())
      .then("cors", cors_stage(cors))
      .then("route", route_stage(router))
      .then("rate_limit", rate_limit_stage(rate_limits()))
      .then("body_limit", body_limit_stage())
      .then("dispatch", dispatch_stage(static_files));
  return p;
}

asio::awaitable<After> Server::Impl::handle(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                            Parser& parser, Peer const& peer) {
  auto const& msg = parser.get();
  Exchange x;
  x.req.method = msg.method();
  x.req.method_string = msg.method_string();
  std::string_view target = msg.target();
  auto qpos = target.find('?');
  x.req.path = target.substr(0, qpos);
  x.req.query = qpos == std::string_view::npos ? std::string_view{} : target.substr(qpos + 1);
  x.req.headers = &static_cast<bhttp::fields const&>(msg);
  x.peer = peer.address;
  x.peer_text = peer.text;
  SessionConnection conn(*this, stream, buffer, parser);
  x.conn = &conn;
  co_await pipeline.run(x);
  co_return x.after;
}

asio::awaitable<std::size_t> Server::Impl::write(beast::tcp_stream& stream, Response& r, bool head,
                                                 bool keep_alive, error_code& ec) {
  bool const no_body = r.status == bhttp::status::not_modified || r.status == bhttp::status::no_content;
  std::uint64_t const length = r.file ? r.file->length : r.shared ? r.shared->bytes.size() : r.body.size();
  std::string head_block;
  head_block.reserve(512);
  format_head(head_block, r.status, r.headers, no_body ? std::nullopt : std::optional(length), keep_alive);
  stream.expires_after(opts.write_timeout);
  auto how = [&ec] { return asio::redirect_error(asio::use_awaitable, ec); };
  if (head || no_body || length == 0) {
    co_await asio::async_write(stream, asio::buffer(head_block), how());
    co_return 0;
  }
  if (!r.file) {
    // Header and body leave in one gathered write (a tile straight from the mapped pack).
    std::string_view body = r.shared ? r.shared->bytes : std::string_view(r.body);
    std::array<asio::const_buffer, 2> parts{asio::buffer(head_block), asio::buffer(body.data(), body.size())};
    co_await asio::async_write(stream, parts, how());
    co_return ec ? 0 : body.size();
  }
  // A file range: the header, then the bytes in chunks read with pread.
  co_await asio::async_write(stream, asio::buffer(head_block), how());
  if (ec) co_return 0;
  // A reader goes to a remote store: each call is a request, so its chunks are larger.
  std::size_t const chunk_size = r.file->read ? kReaderChunk : kFileChunk;
  std::vector<char> chunk(static_cast<std::size_t>(std::min<std::uint64_t>(chunk_size, length)));
  std::uint64_t sent = 0;
  while (sent < length) {
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), length - sent));
    std::int64_t n =
        r.file->read ? r.file->read(r.file->offset + sent, chunk.data(), want)
                     : ::pread(*r.file->fd, chunk.data(), want, static_cast<off_t>(r.file->offset + sent));
    if (n <= 0) {
      // The header promised more bytes than the file now has: end the connection.
      ec = asio::error::broken_pipe;
      co_return sent;
    }
    stream.expires_after(opts.write_timeout);
    co_await asio::async_write(stream, asio::buffer(chunk.data(), static_cast<std::size_t>(n)), how());
    if (ec) co_return sent;
    sent += static_cast<std::uint64_t>(n);
  }
  co_return sent;
}

}  // namespace astropixel::http
