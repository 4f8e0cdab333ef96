#include "upload/local_file_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error_catalogue.hpp"

namespace astropixel::upload {

Error disk_error(std::string_view what, int err) {
  ErrorCode code = err == ENOSPC || err == EDQUOT ? ErrorCode::insufficient_storage : ErrorCode::unavailable;
  Error e = make_error(code, "Upload storage error", std::string(what) + ": " + std::strerror(err));
  if (code == ErrorCode::insufficient_storage) e.reason = errc::insufficient_disk_space.code;
  return e;
}

namespace {

struct FileWriter final : UploadStore::Writer {
  ~FileWriter() override {
    if (fd >= 0) ::close(fd);
  }
  std::uint64_t end() const override { return at; }
  int fd = -1;
  std::uint64_t at = 0;
};

}  // namespace

LocalFileStore::LocalFileStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

Result<std::string> LocalFileStore::create(std::string const& id, std::uint64_t) {
  int fd = ::open(path_of(id).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return disk_error("create", errno);
  ::close(fd);
  return std::string();
}

std::uint64_t LocalFileStore::local_bytes(std::uint64_t length, std::uint64_t offset) const {
  return length > offset ? length - offset : 0;
}

std::uint64_t LocalFileStore::offset(std::string const& id, std::uint64_t) {
  struct stat st {};
  if (::stat(path_of(id).c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_size);
}

Result<std::unique_ptr<UploadStore::Writer>> LocalFileStore::open(std::string const& id,
                                                                  std::uint64_t offset) {
  auto w = std::make_unique<FileWriter>();
  w->fd = ::open(path_of(id).c_str(), O_WRONLY | O_CLOEXEC);
  if (w->fd < 0) return disk_error("open", errno);
  w->at = offset;
  return std::unique_ptr<Writer>(std::move(w));
}

Status LocalFileStore::write(Writer& writer, std::span<char const> bytes) {
  auto& w = static_cast<FileWriter&>(writer);
  auto at = w.at;
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(w.fd, bytes.data(), bytes.size(), static_cast<off_t>(at));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      // Keep the file's size equal to what was written whole: a partial write is cut back.
      (void)::ftruncate(w.fd, static_cast<off_t>(w.at));
      return disk_error("write", err);
    }
    at += static_cast<std::uint64_t>(n);
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  w.at = at;
  return {};
}

void LocalFileStore::rollback(Writer& writer, std::uint64_t to) {
  auto& w = static_cast<FileWriter&>(writer);
  if (to < w.at && ::ftruncate(w.fd, static_cast<off_t>(to)) == 0) w.at = to;
}

Status LocalFileStore::make_durable(Writer& writer, StillMine const&) {
  // The offset we report survives a crash. (A newer request writes the same file: syncing it is
  // right whoever owns it now.)
  if (::fdatasync(static_cast<FileWriter&>(writer).fd) != 0) return disk_error("fdatasync", errno);
  return {};
}

Result<Source> LocalFileStore::assemble(std::string const& id, std::uint64_t length, Writer* w) {
  if (w) {
    if (auto s = make_durable(*w, {}); !s) return s.error();
  }
  if (offset(id, 0) != length)
    return make_error(ErrorCode::internal, "Upload assembled before its last byte", "upload " + id);
  return Source{.file = path_of(id), .key = {}};
}

void LocalFileStore::discard(std::string const& id, std::string const&) {
  std::error_code ec;
  std::filesystem::remove(path_of(id), ec);
}

}  // namespace astropixel::upload
