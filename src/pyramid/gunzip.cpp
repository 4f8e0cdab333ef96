#include "pyramid/gunzip.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/error_catalogue.hpp"
#include "core/ids.hpp"

namespace astropixel::pyramid {
namespace {

constexpr std::uint64_t kDiskReserve = 1ull << 30;  // left free on the scratch disk
constexpr std::size_t kChunk = 1u << 20;

Error corrupt(std::string detail) {
  Error e = make_error(ErrorCode::unprocessable, "The image is corrupt or truncated", std::move(detail));
  e.reason = errc::corrupt_image.code;
  return e;
}

std::uint64_t free_bytes(std::filesystem::path const& dir) {
  struct statvfs s {};
  if (::statvfs(dir.c_str(), &s) != 0) return 0;
  return static_cast<std::uint64_t>(s.f_bavail) * s.f_frsize;
}

struct GzFile {
  gzFile f = nullptr;
  ~GzFile() {
    if (f) gzclose(f);
  }
};

}  // namespace

bool is_gzip(std::string_view head) {
  return head.size() >= 3 && head[0] == '\x1f' && head[1] == '\x8b' && head[2] == '\x08';
}

bool is_lzw(std::string_view head) {
  return head.size() >= 3 && head[0] == '\x1f' && head[1] == '\x9d';
}

std::string inflated_head(std::filesystem::path const& path) {
  GzFile in{gzopen(path.c_str(), "rb")};
  if (!in.f) return {};
  char head[16];
  int n = gzread(in.f, head, sizeof head);
  return n > 0 ? std::string(head, static_cast<std::size_t>(n)) : std::string();
}

ScratchFile::~ScratchFile() {
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

namespace {

// Streams what `read` gives (bytes into the buffer; 0 at the end; an error) into a new scratch file
// in the input's directory (else the temporary directory), within `max_bytes` and the disk reserve.
Result<std::unique_ptr<ScratchFile>> to_scratch(
    std::filesystem::path const& path, std::uint64_t max_bytes,
    std::function<Result<std::size_t>(std::span<char>)> const& read) {
  auto name = ".inflated-" + random_hex(8) + ".fits";
  std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  int fd = ::open((dir / name).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    dir = std::filesystem::temp_directory_path();
    fd = ::open((dir / name).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  }
  if (fd < 0) return make_error(ErrorCode::unavailable, "Cannot inflate the file", std::strerror(errno));
  auto out = std::make_unique<ScratchFile>(dir / name);
  struct Fd {
    int fd;
    ~Fd() { ::close(fd); }
  } guard{fd};
  std::vector<char> buffer(kChunk);
  std::uint64_t total = 0;
  while (true) {
    auto got = read(buffer);
    if (!got) return got.error();
    std::size_t n = *got;
    if (n == 0) break;
    total += n;
    if (total > max_bytes) {
      Error e =
          make_error(ErrorCode::unprocessable, "Image too large",
                     "the compressed file inflates to more than " + std::to_string(max_bytes) + " bytes");
      e.reason = errc::pixel_limit_exceeded.code;
      return e;
    }
    if ((total / kChunk) % 64 == 0 && free_bytes(dir) < kDiskReserve + kChunk) {
      return make_error(ErrorCode::insufficient_storage, "Not enough disk space to inflate the file",
                        "fewer than 1 GiB would stay free");
    }
    for (char const* p = buffer.data(); n > 0;) {
      ssize_t w = ::write(fd, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        if (errno == ENOSPC) return make_error(ErrorCode::insufficient_storage, "Not enough disk space");
        return make_error(ErrorCode::unavailable, "Cannot inflate the file", std::strerror(errno));
      }
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  }
  if (total == 0) return corrupt("empty or damaged compressed stream");
  return out;
}

}  // namespace

Result<std::unique_ptr<ScratchFile>> gunzip_to_scratch(std::filesystem::path const& path,
                                                       std::uint64_t max_bytes) {
  GzFile in{gzopen(path.c_str(), "rb")};
  if (!in.f) return make_error(ErrorCode::not_found, "Input file not found");
  gzbuffer(in.f, 256 * 1024);
  auto out = to_scratch(path, max_bytes, [&in](std::span<char> buf) -> Result<std::size_t> {
    int n = gzread(in.f, buf.data(), static_cast<unsigned>(buf.size()));
    int err = Z_OK;
    if (n < 0) return corrupt(std::string("gzip: ") + gzerror(in.f, &err));
    if (n == 0) {
      char const* message = gzerror(in.f, &err);
      if (err != Z_OK && err != Z_STREAM_END) return corrupt(std::string("gzip: ") + message);
    }
    return static_cast<std::size_t>(n);
  });
  return out;
}

Result<std::unique_ptr<ScratchFile>> uncompress_to_scratch(std::filesystem::path const& path,
                                                           std::uint64_t max_bytes) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    return make_error(ErrorCode::unavailable, "Cannot decompress the file", std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::string const file = path.string();
  char const* argv[] = {"gzip", "-dc", "--", file.c_str(), nullptr};
  char const* envp[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, "gzip", &actions, nullptr, const_cast<char* const*>(argv),
                          const_cast<char* const*>(envp));
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  struct Child {
    pid_t pid;
    int fd;
    bool reaped = false;
    int status = 0;
    int wait() {
      if (!reaped && pid > 0) {
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        reaped = true;
      }
      return status;
    }
    ~Child() {
      ::close(fd);
      if (!reaped && pid > 0) {
        ::kill(pid, SIGKILL);  // stopped at the cap, or on an error: never left running
        wait();
      }
    }
  } child{rc == 0 ? pid : -1, pipe_fds[0]};
  if (rc != 0)
    return make_error(ErrorCode::unavailable, "Cannot decompress the file",
                      "gzip: " + std::string(std::strerror(rc)));
  auto out = to_scratch(path, max_bytes, [&child](std::span<char> buf) -> Result<std::size_t> {
    for (;;) {
      ssize_t n = ::read(child.fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        return make_error(ErrorCode::unavailable, "Cannot decompress the file", std::strerror(errno));
      return static_cast<std::size_t>(n);
    }
  });
  if (!out) return out.error();
  int status = child.wait();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return corrupt("compress (LZW): damaged stream");
  return out;
}

}  // namespace astropixel::pyramid
