#pragma once
// The sandboxed child process that decoders of hostile files run in: builds (`astropixel _build`)
// and header probes (`astropixel _probe`) alike (docs/adr/0013, docs/adr/0018). The child is this
// executable again, started with
//   - an environment of its own making: PATH, locale, TMPDIR, VIPS_* and sanitizer options, never
//     SECRET_KEY, DATABASE_URL or the object store's keys (anything it needs comes on its stdin);
//   - no file descriptor but stdin, stdout and stderr;
//   - limits: address space, CPU seconds, open files, no core dumps (not file size: a probe of a
//     stored FITS file writes a sparse copy as long as the file);
//   - no network: a network namespace of its own when the kernel lets us make one, and a seccomp
//     filter that refuses every socket but AF_UNIX, ptrace, process_vm_* and io_uring;
//   - writes only beneath the directories it is given (its output's), through Landlock;
//   - a wall-clock deadline, after which it is killed;
// and it dies with the thread that started it (PR_SET_PDEATHSIG). A restriction the system does not
// offer (no namespaces in a container, no seccomp, no Landlock) is logged and the rest still apply.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace astropixel::datasets {

struct ChildLimits {
  std::uint64_t memory_bytes = 0;         // RLIMIT_AS; 0 = none (never under AddressSanitizer)
  std::uint64_t cpu_seconds = 0;          // RLIMIT_CPU: SIGXCPU past it, SIGKILL 2 s later; 0 = none
  std::chrono::milliseconds deadline{0};  // wall clock, from the start; 0 = none
};

struct ChildRun {
  std::string command{};    // "_build" or "_probe"
  std::string input{};      // written to the child's stdin first
  bool keep_stdin = false;  // false: stdin is closed after `input` (the child reads to EOF)
  ChildLimits limits{};
  // The directories the child may create, change or remove files in (Landlock): its output's. It
  // writes nowhere else; an empty list means nowhere (already open descriptors are not affected).
  std::vector<std::string> writable_dirs{};
  // Where to make the child's private temporary directory (its TMPDIR, writable, removed with
  // everything in it when the child has ended): decoders inflate `.fits.gz` and libvips spills
  // large images there. Empty: none, and TMPDIR is not passed.
  std::string scratch_parent{};
};

struct ChildExit {
  int status = 0;             // as wait4 gives it
  bool timed_out = false;     // killed at the deadline
  bool cpu_exceeded = false;  // ended by RLIMIT_CPU (SIGXCPU, or SIGKILL at the hard limit)
  bool cancelled = false;     // killed because `cancel` was set
  std::uint64_t peak_rss_bytes = 0;
  bool exited_ok() const;
  std::string how() const;  // "exit code 3", "signal 6 (ABRT)"
};

// Each line the child writes to stdout (without the newline). A returned string is written to the
// child's stdin (with keep_stdin: answers to its requests).
using ChildLineFn = std::function<std::optional<std::string>(std::string const& line)>;

// Errors: internal when the process cannot be started.
Result<ChildExit> run_child(ChildRun const& run, ChildLineFn const& on_line,
                            std::atomic<bool> const* cancel = nullptr);

}  // namespace astropixel::datasets
