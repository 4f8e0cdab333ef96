#include "datasets/build_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>

#include "core/log.hpp"
#include "pyramid/build_spec.hpp"

namespace astropixel::datasets {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;  // reserves terabytes of address space: no RLIMIT_AS
#else
constexpr bool kAddressSanitizer = false;
#endif

Error cannot_start(std::string what) {
  return make_error(ErrorCode::internal, "Cannot start the build process",
                    what + ": " + std::strerror(errno));
}

void write_all(int fd, std::string const& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    auto n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the child died: its exit status tells
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

Result<pyramid::BuildResult> build_in_child(ChildBuild const& b, pyramid::ProgressFn const& progress,
                                            std::atomic<bool> const& cancel, std::uint64_t* peak_rss_bytes) {
  boost::json::object spec{{"input", b.input.string()},
                           {"output", b.output.string()},
                           {"options", boost::json::parse(pyramid::to_json(b.options))},
                           {"strip_delay_ms", b.strip_delay_ms}};
  if (b.crash) spec["fault"] = "crash";
  std::string spec_text = boost::json::serialize(spec);

  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return cannot_start("pipe");
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return cannot_start("pipe");
  }
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  char exe[] = "/proc/self/exe";
  char arg0[] = "astropixel", arg1[] = "_build";
  char* argv[] = {arg0, arg1, nullptr};
  rlimit as{static_cast<rlim_t>(b.memory_limit_bytes), static_cast<rlim_t>(b.memory_limit_bytes)};
  bool limit = b.memory_limit_bytes > 0 && !kAddressSanitizer;
  rlimit no_core{0, 0};
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
    return cannot_start("fork");
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // dies with the thread that started it
    if (::getppid() != parent) ::_exit(127);
    ::setrlimit(RLIMIT_CORE, &no_core);
    if (limit) ::setrlimit(RLIMIT_AS, &as);
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    // Nothing else of the server's crosses over: Asio's sockets are not close-on-exec, and a client
    // connection held open by a build would not close when the server closes it.
    ::close_range(3, ~0U, 0);
    ::execv(exe, argv);
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  write_all(in[1], spec_text);
  ::close(in[1]);

  std::optional<pyramid::BuildResult> result;
  std::optional<Error> failure;
  bool killed = false;
  std::string buffer;
  char chunk[4096];
  for (;;) {
    if (cancel.load() && !killed) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    pollfd p{out[0], POLLIN, 0};
    int ready = ::poll(&p, 1, 200);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    auto n = ::read(out[0], chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;  // the child closed its end: finished or dead
    // Only the new bytes are searched: the done line carries FITS headers and can be megabytes.
    auto from = buffer.size();
    buffer.append(chunk, static_cast<std::size_t>(n));
    for (auto nl = buffer.find('\n', from); nl != std::string::npos; nl = buffer.find('\n')) {
      auto line = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      auto event = pyramid::parse_build_event(line);
      if (!event) continue;  // not ours (a library printing to stdout): ignore
      switch (event->kind) {
        case pyramid::BuildEvent::Kind::progress:
          if (progress) progress(event->progress);
          break;
        case pyramid::BuildEvent::Kind::done:
          result = event->result;
          break;
        case pyramid::BuildEvent::Kind::error:
          failure = event->error;
          break;
      }
    }
  }
  ::close(out[0]);
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  if (peak_rss_bytes) *peak_rss_bytes = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;

  if (killed) return make_error(ErrorCode::cancelled, "Cancelled");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && result) return *result;
  if (failure) return *failure;
  // Died without a word: a crash, a kill, or an allocation past the limit.
  std::string how = WIFSIGNALED(status) ? std::string("signal ") + std::to_string(WTERMSIG(status)) + " (" +
                                              sigabbrev_np(WTERMSIG(status)) + ")"
                                        : "exit code " + std::to_string(WEXITSTATUS(status));
  log::error("build_process_died", {{"input", b.input.string()}, {"how", how}});
  Error e = make_error(ErrorCode::unprocessable, "The image could not be decoded",
                       "the decoding process ended with " + how);
  e.reason = "decoder_crashed";
  return e;
}

}  // namespace astropixel::datasets
