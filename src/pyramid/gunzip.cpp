#include "pyramid/gunzip.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "core/ids.hpp"

namespace astropixel::pyramid {
namespace {

constexpr std::uint64_t kDiskReserve = 1ull << 30;  // left free on the scratch disk
constexpr std::size_t kChunk = 1u << 20;

Error corrupt(std::string detail) {
  Error e = make_error(ErrorCode::unprocessable, "The image is corrupt or truncated", std::move(detail));
  e.reason = "corrupt_image";
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

Result<std::unique_ptr<ScratchFile>> gunzip_to_scratch(std::filesystem::path const& path,
                                                       std::uint64_t max_bytes) {
  GzFile in{gzopen(path.c_str(), "rb")};
  if (!in.f) return make_error(ErrorCode::not_found, "Input file not found");
  gzbuffer(in.f, 256 * 1024);
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
    int n = gzread(in.f, buffer.data(), static_cast<unsigned>(buffer.size()));
    if (n < 0) {
      int err = 0;
      return corrupt(std::string("gzip: ") + gzerror(in.f, &err));
    }
    if (n == 0) break;
    total += static_cast<std::uint64_t>(n);
    if (total > max_bytes) {
      Error e =
          make_error(ErrorCode::unprocessable, "Image too large",
                     "the compressed file inflates to more than " + std::to_string(max_bytes) + " bytes");
      e.reason = "pixel_limit_exceeded";
      return e;
    }
    if ((total / kChunk) % 64 == 0 && free_bytes(dir) < kDiskReserve + kChunk) {
      return make_error(ErrorCode::insufficient_storage, "Not enough disk space to inflate the file",
                        "fewer than 1 GiB would stay free");
    }
    for (char const* p = buffer.data(); n > 0;) {
      ssize_t w = ::write(fd, p, static_cast<std::size_t>(n));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        if (errno == ENOSPC) return make_error(ErrorCode::insufficient_storage, "Not enough disk space");
        return make_error(ErrorCode::unavailable, "Cannot inflate the file", std::strerror(errno));
      }
      p += w;
      n -= static_cast<int>(w);
    }
  }
  int err = Z_OK;
  char const* message = gzerror(in.f, &err);
  if (err != Z_OK && err != Z_STREAM_END) return corrupt(std::string("gzip: ") + message);
  if (total == 0) return corrupt("gzip: empty or damaged stream");
  return out;
}

}  // namespace astropixel::pyramid
