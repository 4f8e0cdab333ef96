#include "upload/form_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/error_catalogue.hpp"
#include "pyramid/source.hpp"
#include "upload/local_file_store.hpp"

namespace astropixel::upload {

FormFile::FormFile(std::filesystem::path path, std::uint64_t max_size, DiskBudget& budget, std::string key)
    : path_(std::move(path)), max_size_(max_size), budget_(budget), key_(std::move(key)) {}

Result<std::unique_ptr<FormFile>> FormFile::open(std::filesystem::path path, std::uint64_t max_size,
                                                 DiskBudget& budget, std::string key) {
  auto f = std::unique_ptr<FormFile>(new FormFile(std::move(path), max_size, budget, std::move(key)));
  f->fd_ = ::open(f->path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (f->fd_ < 0) {
    f->kept_ = true;  // not ours to remove
    return disk_error("create", errno);
  }
  return f;
}

FormFile::~FormFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!kept_) {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  budget_.release(key_);
}

Status FormFile::write(std::span<char const> bytes) {
  if (size_ + bytes.size() > max_size_) {
    Error e = make_error(ErrorCode::payload_too_large, "Upload too large",
                         "the maximum is " + std::to_string(max_size_) + " bytes");
    e.reason = errc::upload_too_large.code;
    return e;
  }
  if (!sniffed_) {
    // The early format check: a file that is no accepted image ends the request at its first
    // bytes instead of after the whole body.
    head_.append(bytes.data(), std::min(bytes.size(), pyramid::kSniffBytes - head_.size()));
    if (head_.size() == pyramid::kSniffBytes) {
      sniffed_ = true;
      if (auto s = pyramid::sniff_head(head_); !s) return s;
    }
  }
  if (auto s = budget_.draw(key_, bytes.size()); !s) return s;
  while (!bytes.empty()) {
    auto n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return disk_error("write", errno);
    size_ += static_cast<std::uint64_t>(n);
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

Status FormFile::close() {
  // A file shorter than the signatures is checked whole.
  if (!sniffed_ && size_ > 0) {
    sniffed_ = true;
    if (auto s = pyramid::sniff_head(head_); !s) return s;
  }
  int fd = fd_;
  fd_ = -1;
  if (::fdatasync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return disk_error("fdatasync", err);
  }
  if (::close(fd) != 0) return disk_error("close", errno);
  return {};
}

}  // namespace astropixel::upload
