#include "datasets/child_process.hpp"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "core/log.hpp"
#include "datasets/child_scratch.hpp"

extern char** environ;

namespace astropixel::datasets {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;  // reserves terabytes of address space: no RLIMIT_AS
#else
constexpr bool kAddressSanitizer = false;
#endif

#if defined(__x86_64__)
constexpr std::uint32_t kAuditArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr std::uint32_t kAuditArch = AUDIT_ARCH_AARCH64;
#else
constexpr std::uint32_t kAuditArch = 0;  // unknown architecture: no seccomp filter
#endif

constexpr rlim_t kOpenFiles = 256;

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)  // Landlock ABI 3 (Linux 6.2); older headers lack it
#endif

// LeakSanitizer stops the world with ptrace at exit: sanitizer builds leave ptrace allowed (a
// number no system call has stands in for it in the filter).
constexpr long kPtrace = kAddressSanitizer ? 0x3fffffff : SYS_ptrace;

Error cannot_start(std::string what) {
  return make_error(ErrorCode::internal, "Cannot start the decoding process",
                    what + ": " + std::strerror(errno));
}

// Writes without letting a child that died first raise SIGPIPE in the server (nothing installs a
// handler for it): the signal is blocked in this thread and a pending one is consumed.
void write_all(int fd, std::string_view s) {
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  std::size_t done = 0;
  bool broken = false;
  while (done < s.size()) {
    auto n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      broken = true;  // the child died: its exit status tells
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (broken) {
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) == SIGPIPE) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

// The variables a decoder may legitimately need; everything else of the server's environment
// (SECRET_KEY, DATABASE_URL, AWS_SECRET_ACCESS_KEY, REDIS_URL, ...) stays behind.
bool passed_to_child(std::string_view entry) {
  auto name = entry.substr(0, entry.find('='));
  for (std::string_view exact : {"PATH", "LANG", "LANGUAGE", "TZ"})
    if (name == exact) return true;
  for (std::string_view prefix : {"LC_", "VIPS_", "ASAN_", "UBSAN_", "LSAN_"})
    if (name.starts_with(prefix)) return true;
  return false;
}

// socket() for anything but AF_UNIX fails with EACCES; ptrace, process_vm_readv/writev (reading
// the server's memory) and io_uring_setup (which can make sockets without socket()) with EPERM;
// another architecture's system calls (x32) likewise.
bool install_seccomp() {
  if constexpr (kAuditArch == 0) {
    return false;
  } else {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 10, 0),  // x32 → EPERM
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 4),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kPtrace, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_readv, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_writev, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_io_uring_setup, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
    };
    sock_fprog prog{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
    return ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
  }
}

// Landlock (Linux 5.13+): a ruleset that handles every kind of write, with those writes allowed only
// beneath `writable` (and into /dev/null). Reading and executing are not handled: decoders read
// their input and shared libraries wherever they are. Made in the parent, before fork, so the child
// only calls landlock_restrict_self. Returns -1 (and logs once per process) when the kernel has no
// Landlock: the other restrictions still apply.
int write_ruleset(std::vector<std::string> const& writable) {
  auto abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 1) {
    static std::atomic<bool> logged{false};
    if (!logged.exchange(true))
      log::warn("sandbox_restriction_unavailable",
                {{"landlock", "unavailable"}, {"error", std::strerror(errno)}});
    return -1;
  }
  std::uint64_t writes = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
                         LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
                         LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
                         LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
                         LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
  if (abi >= 2) writes |= LANDLOCK_ACCESS_FS_REFER;     // links and renames across directories
  if (abi >= 3) writes |= LANDLOCK_ACCESS_FS_TRUNCATE;  // truncate() of a file opened elsewhere
  landlock_ruleset_attr attr{};
  attr.handled_access_fs = writes;
  int ruleset = static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0));
  if (ruleset < 0) return -1;
  auto allow = [&](std::string const& path, std::uint64_t access) {
    int fd = ::open(path.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) return false;
    landlock_path_beneath_attr rule{};
    rule.allowed_access = access;
    rule.parent_fd = fd;
    bool ok = ::syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) == 0;
    ::close(fd);
    return ok;
  };
  for (auto const& dir : writable) {
    if (!allow(dir, writes)) {  // a directory we cannot name is one the child may not write in
      log::warn("sandbox_writable_dir_unavailable", {{"path", dir}, {"error", std::strerror(errno)}});
    }
  }
  std::uint64_t file_writes = LANDLOCK_ACCESS_FS_WRITE_FILE | (abi >= 3 ? LANDLOCK_ACCESS_FS_TRUNCATE : 0);
  allow("/dev/null", file_writes);
  return ruleset;
}

}  // namespace

bool ChildExit::exited_ok() const {
  return !timed_out && !cancelled && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string ChildExit::how() const {
  if (WIFSIGNALED(status))
    return "signal " + std::to_string(WTERMSIG(status)) + " (" + sigabbrev_np(WTERMSIG(status)) + ")";
  return "exit code " + std::to_string(WEXITSTATUS(status));
}

Result<ChildExit> run_child(ChildRun const& run, ChildLineFn const& on_line,
                            std::atomic<bool> const* cancel) {
  // The child's own temporary directory: the one place outside its output it may write.
  std::optional<ChildScratch> scratch;
  auto writable = run.writable_dirs;
  std::string tmpdir_entry;
  if (!run.scratch_parent.empty()) {
    sweep_stale_child_scratch(run.scratch_parent);
    auto made = ChildScratch::make(run.scratch_parent);
    if (!made) return made.error();
    scratch.emplace(std::move(*made));
    writable.push_back(scratch->path());
    tmpdir_entry = "TMPDIR=" + scratch->path();
  }
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return cannot_start("pipe");
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return cannot_start("pipe");
  }
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  char exe[] = "/proc/self/exe";
  std::string arg0 = "astropixel", arg1 = run.command;
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  std::vector<char*> envp;
  for (char** e = environ; e && *e; ++e)
    if (passed_to_child(*e)) envp.push_back(*e);
  static char default_path[] = "PATH=/usr/local/bin:/usr/bin:/bin";
  if (std::none_of(envp.begin(), envp.end(),
                   [](char* e) { return std::string_view(e).starts_with("PATH="); }))
    envp.push_back(default_path);
  if (!tmpdir_entry.empty()) envp.push_back(tmpdir_entry.data());
  // What the child got of the sandbox, for it to log (chosen after fork, so prepared as constants).
  static char net_netns[] = "ASTROPIXEL_SANDBOX_NET=netns", net_userns[] = "ASTROPIXEL_SANDBOX_NET=userns",
              net_none[] = "ASTROPIXEL_SANDBOX_NET=unavailable";
  static char sc_on[] = "ASTROPIXEL_SANDBOX_SECCOMP=on", sc_off[] = "ASTROPIXEL_SANDBOX_SECCOMP=unavailable";
  static char ll_on[] = "ASTROPIXEL_SANDBOX_LANDLOCK=on",
              ll_off[] = "ASTROPIXEL_SANDBOX_LANDLOCK=unavailable";
  std::size_t landlock_slot = envp.size();
  envp.push_back(ll_off);
  std::size_t net_slot = envp.size();
  envp.push_back(net_none);
  std::size_t seccomp_slot = envp.size();
  envp.push_back(sc_off);
  envp.push_back(nullptr);

  auto const& l = run.limits;
  rlimit as{static_cast<rlim_t>(l.memory_bytes), static_cast<rlim_t>(l.memory_bytes)};
  bool limit_as = l.memory_bytes > 0 && !kAddressSanitizer;
  rlimit cpu{static_cast<rlim_t>(l.cpu_seconds), static_cast<rlim_t>(l.cpu_seconds + 2)};
  rlimit nofile{kOpenFiles, kOpenFiles};
  rlimit no_core{0, 0};
  int ruleset = write_ruleset(writable);
  pid_t parent = ::getpid();
  auto started = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid < 0) {
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
    if (ruleset >= 0) ::close(ruleset);
    return cannot_start("fork");
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // dies with the thread that started it
    if (::getppid() != parent) ::_exit(127);
    ::setrlimit(RLIMIT_CORE, &no_core);
    if (limit_as) ::setrlimit(RLIMIT_AS, &as);
    if (l.cpu_seconds > 0) ::setrlimit(RLIMIT_CPU, &cpu);
    ::setrlimit(RLIMIT_NOFILE, &nofile);
    // A network namespace of its own holds only a loopback that is down: no connection leaves.
    // Root (or CAP_SYS_ADMIN) makes one directly; an unprivileged server through a user namespace.
    if (::unshare(CLONE_NEWNET) == 0)
      envp[net_slot] = net_netns;
    else if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0)
      envp[net_slot] = net_userns;
    // A server run as root leaves its capabilities behind: CAP_SYS_PTRACE would read the server's
    // /proc/<pid>/environ past PR_SET_DUMPABLE, CAP_DAC_OVERRIDE any file. With the bounding set
    // empty, execve gives root none back.
    for (int cap = 0; cap < 64; ++cap) ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    __user_cap_header_struct cap_header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct no_caps[_LINUX_CAPABILITY_U32S_3]{};
    ::syscall(SYS_capset, &cap_header, no_caps);
    // Landlock needs no_new_privs (seccomp sets it too); after the namespaces, which it would block.
    if (ruleset >= 0 && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
        ::syscall(SYS_landlock_restrict_self, ruleset, 0) == 0)
      envp[landlock_slot] = ll_on;
    if (install_seccomp()) envp[seccomp_slot] = sc_on;
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    // Nothing else of the server's crosses over: Asio's sockets are not close-on-exec, and a client
    // connection held open by a build would not close when the server closes it.
    ::close_range(3, ~0U, 0);
    ::execve(exe, argv, envp.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  if (ruleset >= 0) ::close(ruleset);
  write_all(in[1], run.input);
  int to_child = in[1];
  if (!run.keep_stdin) {
    ::close(in[1]);
    to_child = -1;
  }

  ChildExit result;
  bool killed = false;
  std::string buffer;
  char chunk[4096];
  for (;;) {
    if (!killed && cancel && cancel->load()) {
      ::kill(pid, SIGKILL);
      killed = result.cancelled = true;
    }
    int wait_ms = 200;
    if (!killed && l.deadline.count() > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(started + l.deadline -
                                                                        std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        ::kill(pid, SIGKILL);
        killed = result.timed_out = true;
      } else {
        wait_ms = static_cast<int>(std::min<std::int64_t>(wait_ms, left.count()));
      }
    }
    pollfd p{out[0], POLLIN, 0};
    int ready = ::poll(&p, 1, wait_ms);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    auto n = ::read(out[0], chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;  // the child closed its end: finished or dead
    // Only the new bytes are searched: a build's done line carries FITS headers (megabytes).
    auto from = buffer.size();
    buffer.append(chunk, static_cast<std::size_t>(n));
    for (auto nl = buffer.find('\n', from); nl != std::string::npos; nl = buffer.find('\n')) {
      auto line = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      if (killed) continue;
      auto reply = on_line(line);
      if (reply && to_child >= 0) write_all(to_child, *reply);
    }
  }
  if (to_child >= 0) ::close(to_child);
  ::close(out[0]);
  // A child that closed its stdout can still hang: the deadline holds until it has ended.
  rusage usage{};
  for (;;) {
    auto r = ::wait4(pid, &result.status, killed ? 0 : WNOHANG, &usage);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) break;
    if (r == 0 && l.deadline.count() > 0 && std::chrono::steady_clock::now() >= started + l.deadline) {
      ::kill(pid, SIGKILL);
      killed = result.timed_out = true;
    } else if (r == 0) {
      ::usleep(20'000);
    }
  }
  result.peak_rss_bytes = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
  if (WIFSIGNALED(result.status) && !killed) {
    int sig = WTERMSIG(result.status);
    // SIGXCPU at the soft limit; SIGKILL at the hard one when the child ignored it.
    auto cpu_used = static_cast<std::uint64_t>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec);
    result.cpu_exceeded =
        l.cpu_seconds > 0 && (sig == SIGXCPU || (sig == SIGKILL && cpu_used >= l.cpu_seconds));
  }
  return result;
}

}  // namespace astropixel::datasets
