// `astropixel _build`: one pyramid build in a child process of a server or worker (see
// datasets/build_process.hpp). The spec arrives on stdin as JSON; progress, then the result or the
// error, leave on stdout as JSON lines. Decoders of hostile files run here, so a decoder that
// crashes or runs away takes this process down, not the server.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <thread>

#include "app/commands.hpp"
#include "core/error_catalogue.hpp"
#include "core/log.hpp"
#include "pyramid/build_spec.hpp"
#include "pyramid/pack.hpp"

namespace astropixel::app {

void log_sandbox(char const* process) {
  // Set by the parent (datasets/child_process.cpp) after it tried each restriction.
  auto got = [](char const* name) {
    char const* v = std::getenv(name);
    return std::string(v ? v : "unavailable");
  };
  auto net = got("ASTROPIXEL_SANDBOX_NET"), seccomp = got("ASTROPIXEL_SANDBOX_SECCOMP");
  if (net == "unavailable" || seccomp == "unavailable")
    log::warn("sandbox_restriction_unavailable",
              {{"process", process}, {"network_namespace", net}, {"seccomp", seccomp}});
}

namespace {

// Fault injection: what a decoder that tried to reach the network would get (sandbox tests).
Error try_network(std::string_view port) {
  std::string outcome;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    outcome = std::string("socket refused: ") + std::strerror(errno);
  } else {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(std::atoi(std::string(port).c_str())));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    outcome = ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0
                  ? "connected"
                  : std::string("connect refused: ") + std::strerror(errno);
    ::close(fd);
  }
  Error e = make_error(ErrorCode::unprocessable, "Network attempt", outcome);
  e.reason = errc::network_attempt.code;
  return e;
}

// Fault injection: what a decoder that tried to write outside its output (`write:<path>`) or to
// read the server's environment (`environ`) would get (sandbox tests).
Error try_escape(std::string_view fault) {
  std::string outcome;
  if (fault.starts_with("write:")) {
    std::string path(fault.substr(6));
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    outcome = fd >= 0 ? "written" : std::string("write refused: ") + std::strerror(errno);
    if (fd >= 0) ::close(fd);
  } else {
    auto path = "/proc/" + std::to_string(::getppid()) + "/environ";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    char buf[256];
    auto n = fd >= 0 ? ::read(fd, buf, sizeof buf) : -1;
    outcome = n > 0    ? "read " + std::to_string(n) + " bytes of the server's environment"
              : n == 0 ? std::string("read nothing")
                       : std::string("read refused: ") + std::strerror(errno);
    if (fd >= 0) ::close(fd);
  }
  Error e = make_error(ErrorCode::unprocessable, "Sandbox escape attempt", outcome);
  e.reason = errc::sandbox_escape_attempt.code;
  return e;
}

}  // namespace

int run_build_child() {
  log_sandbox("build");
  std::string text((std::istreambuf_iterator<char>(std::cin)), {});
  boost::system::error_code ec;
  auto spec = boost::json::parse(text, ec);
  auto fail = [](Error const& e) {
    std::cout << pyramid::error_line(e) << std::endl;
    return 5;
  };
  if (ec || !spec.is_object()) return fail(make_error(ErrorCode::bad_request, "Malformed build spec"));
  auto const& o = spec.as_object();
  auto const* input = o.if_contains("input");
  auto const* output = o.if_contains("output");
  auto const* opts = o.if_contains("options");
  if (!input || !input->is_string() || !output || !output->is_string() || !opts)
    return fail(make_error(ErrorCode::bad_request, "Malformed build spec"));
  auto options = pyramid::build_options_from_json(boost::json::serialize(*opts));
  if (!options) return fail(options.error());
  int delay_ms = 0;
  if (auto const* d = o.if_contains("strip_delay_ms"); d && d->is_int64())
    delay_ms = static_cast<int>(d->as_int64());
  // Fault injection for tests (set only through TEST_ROUTES): a decoder that crashes the way glibc
  // stops a process whose heap it found corrupted, or one that never returns.
  if (auto const* f = o.if_contains("fault"); f && f->is_string()) {
    std::string fault(f->as_string().data(), f->as_string().size());
    if (fault == "crash") std::abort();
    if (fault == "hang")
      for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
    if (fault.starts_with("network:")) return fail(try_network(std::string_view(fault).substr(8)));
    if (fault.starts_with("write:") || fault == "environ") return fail(try_escape(fault));
  }

  pyramid::PackWriter pack(std::string(output->as_string()));
  // Snapshots for viewing the pyramid while it builds (ADR 0034), when the parent asks for them:
  // the first as soon as tiles exist, then one a second (each rewrites an index of 12 bytes a tile:
  // half a megabyte at 2 gigapixels).
  std::string live;
  if (auto const* l = o.if_contains("live"); l && l->is_string()) live = std::string(l->as_string());
  if (!live.empty() && std::filesystem::path(live).parent_path() !=
                           std::filesystem::path(std::string(output->as_string())).parent_path())
    return fail(make_error(ErrorCode::bad_request, "Malformed build spec", "live beside the output"));
  int checkpoints = 0;
  auto last_checkpoint = std::chrono::steady_clock::now();
  auto last = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  bool snapshots_failed = false;
  auto progress = [&](pyramid::Progress const& p) {
    auto now = std::chrono::steady_clock::now();
    if (p.rows_done == p.rows_total || now - last >= std::chrono::milliseconds(250)) {
      last = now;
      std::cout << pyramid::progress_line(p) << std::endl;
    }
    // The first as soon as the preview (written first where the source allows, ADR 0036) or tiles
    // exist.
    if (!live.empty() && !snapshots_failed && p.stage == "tiling" && (p.tiles > 0 || p.preview) &&
        (checkpoints == 0 || now - last_checkpoint >= std::chrono::seconds(1))) {
      last_checkpoint = now;
      if (auto rows = pack.checkpoint(live); rows)
        std::cout << pyramid::checkpoint_line(checkpoints++, *rows, p.preview) << std::endl;
      else {
        // The build goes on; it is only not viewable before it ends.
        snapshots_failed = true;
        log::warn("build_snapshot_failed", {{"detail", rows.error().detail}});
      }
    }
    if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  };
  auto r = pyramid::build(std::string(input->as_string()), pack, *options, progress);
  if (!r) return fail(r.error());
  std::cout << pyramid::done_line(*r) << std::endl;
  return 0;
}

}  // namespace astropixel::app
