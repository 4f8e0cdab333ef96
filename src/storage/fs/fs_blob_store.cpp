#include "storage/fs/fs_blob_store.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/ids.hpp"

namespace astropixel::storage {
namespace fs = std::filesystem;
namespace {

Error io_error(std::string_view what, fs::path const& path, int err) {
  ErrorCode code = err == ENOSPC || err == EDQUOT ? ErrorCode::insufficient_storage : ErrorCode::unavailable;
  return make_error(code, "Storage error",
                    std::string(what) + " " + path.filename().string() + ": " + std::strerror(err));
}

Status fsync_dir(fs::path const& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("open dir", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("fsync dir", dir, err);
  return {};
}

class FsBlobWriter final : public BlobWriter {
 public:
  FsBlobWriter(int fd, fs::path tmp, fs::path final_path)
      : fd_(fd), tmp_(std::move(tmp)), final_(std::move(final_path)) {}
  ~FsBlobWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(tmp_.c_str());
  }

  Status write(std::span<char const> bytes) override {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return io_error("write", final_, errno);
      }
      bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
    return {};
  }

  Status commit() override {
    if (::fsync(fd_) != 0) return io_error("fsync", final_, errno);
    ::close(fd_);
    fd_ = -1;
    if (::rename(tmp_.c_str(), final_.c_str()) != 0) return io_error("rename", final_, errno);
    committed_ = true;
    return fsync_dir(final_.parent_path());
  }

 private:
  int fd_;
  fs::path tmp_, final_;
  bool committed_ = false;
};

}  // namespace

Result<std::unique_ptr<FsBlobStore>> FsBlobStore::open(fs::path root) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return make_error(ErrorCode::unavailable, "Cannot create the storage directory", ec.message());
  return std::unique_ptr<FsBlobStore>(new FsBlobStore(fs::absolute(root)));
}

Result<std::unique_ptr<BlobWriter>> FsBlobStore::put(std::string_view key) {
  if (auto s = validate_key(key); !s) return s.error();
  fs::path final_path = root_ / key;
  std::error_code ec;
  fs::create_directories(final_path.parent_path(), ec);
  if (ec) return io_error("mkdir", final_path, ec.value());
  // Temporary names start with '.', which keys never do, so list() never shows them.
  fs::path tmp =
      final_path.parent_path() / ("." + final_path.filename().string() + "." + random_hex(6) + ".tmp");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return io_error("create", final_path, errno);
  return std::unique_ptr<BlobWriter>(new FsBlobWriter(fd, tmp, final_path));
}

Result<std::size_t> FsBlobStore::read(std::string_view key, std::uint64_t offset, std::span<char> out) {
  if (auto s = validate_key(key); !s) return s.error();
  fs::path path = root_ / key;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return make_error(ErrorCode::not_found, "Blob not found");
    return io_error("open", path, errno);
  }
  std::size_t total = 0;
  while (total < out.size()) {
    ssize_t n = ::pread(fd, out.data() + total, out.size() - total, static_cast<off_t>(offset + total));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return io_error("read", path, err);
    }
    if (n == 0) break;
    total += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return total;
}

Result<BlobInfo> FsBlobStore::stat(std::string_view key) {
  if (auto s = validate_key(key); !s) return s.error();
  std::error_code ec;
  auto path = root_ / key;
  auto status = fs::symlink_status(path, ec);
  if (ec || !fs::is_regular_file(status)) return make_error(ErrorCode::not_found, "Blob not found");
  auto size = fs::file_size(path, ec);
  if (ec) return io_error("stat", path, ec.value());
  return BlobInfo{std::string(key), size};
}

Status FsBlobStore::remove(std::string_view key) {
  if (auto s = validate_key(key); !s) return s.error();
  auto path = root_ / key;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return io_error("unlink", path, errno);
  // Directories emptied by this removal go too (one per dataset would pile up otherwise); rmdir
  // refuses non-empty ones, so a concurrent writer's directory survives.
  for (auto dir = path.parent_path(); dir != root_ && dir.string().starts_with(root_.string());
       dir = dir.parent_path()) {
    if (::rmdir(dir.c_str()) != 0) break;
  }
  return {};
}

Result<std::vector<BlobInfo>> FsBlobStore::list(std::string_view prefix) {
  std::vector<BlobInfo> out;
  std::error_code ec;
  // Walk only the deepest directory the prefix names, not the whole store.
  auto slash = prefix.rfind('/');
  fs::path start = slash == std::string_view::npos ? root_ : root_ / prefix.substr(0, slash);
  if (slash != std::string_view::npos) {
    if (auto s = validate_key(prefix.substr(0, slash)); !s) return s.error();
  }
  if (!fs::is_directory(start, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(start, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    auto key = fs::relative(it->path(), root_, ec).generic_string();
    if (key.starts_with(prefix) && validate_key(key)) out.push_back({key, it->file_size(ec)});
  }
  if (ec) return io_error("list", start, ec.value());
  std::sort(out.begin(), out.end(), [](auto const& a, auto const& b) { return a.key < b.key; });
  return out;
}

Status FsBlobStore::adopt(std::string_view key, fs::path const& file) {
  if (auto s = validate_key(key); !s) return s.error();
  fs::path final_path = root_ / key;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return make_error(ErrorCode::not_found, "File to store not found");
  fs::create_directories(final_path.parent_path(), ec);
  if (ec) return io_error("mkdir", final_path, ec.value());
  if (::rename(file.c_str(), final_path.c_str()) == 0) return fsync_dir(final_path.parent_path());
  if (errno != EXDEV) return io_error("rename", final_path, errno);
  // Another file system: copy through a temporary blob, then drop the original.
  auto writer = put(key);
  if (!writer) return writer.error();
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("open", file, errno);
  std::vector<char> buf(1 << 20);
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return io_error("read", file, err);
    }
    if (n == 0) break;
    if (auto s = (*writer)->write({buf.data(), static_cast<std::size_t>(n)}); !s) {
      ::close(fd);
      return s;
    }
  }
  ::close(fd);
  if (auto s = (*writer)->commit(); !s) return s;
  fs::remove(file, ec);
  return {};
}

std::optional<fs::path> FsBlobStore::local_path(std::string_view key) const {
  if (!validate_key(key)) return std::nullopt;
  return root_ / key;
}

Result<std::uint64_t> FsBlobStore::free_bytes() {
  struct statvfs st {};
  if (::statvfs(root_.c_str(), &st) != 0) return io_error("statvfs", root_, errno);
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

}  // namespace astropixel::storage
