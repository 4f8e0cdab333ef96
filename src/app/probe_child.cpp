// `astropixel _probe`: reads one image's header for a server finishing an upload, in a sandboxed
// child process (datasets/probe_process.hpp). The spec arrives as one JSON line on stdin; a stored
// image's bytes are asked for on stdout and arrive on stdin; what the header says, or the error,
// leaves on stdout as one JSON line.
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <span>
#include <string>
#include <thread>

#include "app/commands.hpp"
#include "core/log.hpp"
#include "datasets/probe_process.hpp"
#include "pyramid/build_spec.hpp"
#include "pyramid/source.hpp"

namespace astropixel::app {
namespace {

// Unbuffered: requests and answers interleave on the same descriptors.
bool read_exact(char* out, std::size_t n) {
  while (n > 0) {
    auto got = ::read(STDIN_FILENO, out, n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    out += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

bool write_line(std::string line) {
  line += '\n';
  std::size_t done = 0;
  while (done < line.size()) {
    auto n = ::write(STDOUT_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string read_spec_line() {
  std::string line;
  char c = 0;
  while (line.size() < (1u << 20) && read_exact(&c, 1) && c != '\n') line += c;
  return line;
}

Result<std::size_t> read_from_server(std::uint64_t offset, std::span<char> out) {
  auto fail = [] { return make_error(ErrorCode::unavailable, "Cannot read the stored image"); };
  std::size_t done = 0;
  while (done < out.size()) {  // the server answers at most kMaxProbeRead bytes a request
    auto want = std::min<std::uint64_t>(out.size() - done, datasets::kMaxProbeRead);
    if (!write_line(datasets::read_request_line(offset + done, want))) return fail();
    unsigned char head[8];
    if (!read_exact(reinterpret_cast<char*>(head), sizeof head)) return fail();
    std::uint64_t u = 0;
    for (int i = 7; i >= 0; --i) u = (u << 8) | head[i];
    auto count = static_cast<std::int64_t>(u);
    if (count < 0 || static_cast<std::uint64_t>(count) > want) return fail();
    if (!read_exact(out.data() + done, static_cast<std::size_t>(count))) return fail();
    done += static_cast<std::size_t>(count);
    if (static_cast<std::uint64_t>(count) < want) break;  // the end of the object
  }
  return done;
}

}  // namespace

int run_probe_child() {
  log_sandbox("probe");
  auto text = read_spec_line();
  auto fail = [](Error const& e) {
    write_line(pyramid::error_line(e));
    return 5;
  };
  boost::system::error_code ec;
  auto spec = boost::json::parse(text, ec);
  if (ec || !spec.is_object()) return fail(make_error(ErrorCode::bad_request, "Malformed probe spec"));
  auto const& o = spec.as_object();
  std::uint64_t max_pixels = 0;
  if (auto const* m = o.if_contains("max_pixels"); m && m->is_uint64()) max_pixels = m->as_uint64();
  if (auto const* m = o.if_contains("max_pixels"); m && m->is_int64() && m->as_int64() > 0)
    max_pixels = static_cast<std::uint64_t>(m->as_int64());
  // Fault injection for tests (set only through TEST_ROUTES): a header parser that crashes, or
  // one that never returns.
  if (auto const* f = o.if_contains("fault"); f && f->is_string()) {
    std::string fault(f->as_string().data(), f->as_string().size());
    if (fault == "crash") std::abort();
    if (fault == "hang")
      for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  }
  Result<pyramid::SourceInfo> info = make_error(ErrorCode::bad_request, "Malformed probe spec");
  if (auto const* path = o.if_contains("path"); path && path->is_string()) {
    info = pyramid::probe(std::string(path->as_string()), max_pixels);
  } else if (auto const* size = o.if_contains("stored_size"); size && size->is_int64()) {
    auto const* scratch = o.if_contains("scratch");
    if (!scratch || !scratch->is_string())
      return fail(make_error(ErrorCode::bad_request, "Malformed probe spec"));
    info = pyramid::probe_stored(read_from_server, static_cast<std::uint64_t>(size->as_int64()), max_pixels,
                                 std::string(scratch->as_string()));
  }
  if (!info) return fail(info.error());
  write_line(datasets::probe_info_line(*info));
  return 0;
}

}  // namespace astropixel::app
