#include "datasets/snapshot_upload.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "pyramid/pack.hpp"

namespace astropixel::datasets {

std::string snapshot_piece_key(std::string const& key, std::size_t n) {
  return key + ".seg" + std::to_string(n);
}

std::string snapshot_key(std::string const& key, std::size_t n) {
  return key + ".snap" + std::to_string(n);
}

Result<bool> SnapshotUpload::put_next() {
  // One reading of the snapshot decides both the piece's end and the snapshot put after it, so the
  // snapshot never names bytes beyond its pieces (the child may write a newer one meanwhile).
  auto snap = pyramid::PackReader::read_snapshot(live_);
  if (!snap) return snap.error();
  std::uint64_t const from = ends_.empty() ? 0 : ends_.back();
  if (snap->readable <= from) return false;
  // read_snapshot() accepted only the writer's own temporary name; the file must be a regular one
  // (not a link to a secret of this process) and a pack.
  int fd = pyramid::open_child_file(live_.parent_path() / snap->pack_name);
  if (fd < 0 && errno == ENOENT) return make_error(ErrorCode::not_found, "The pack was committed");
  if (fd < 0) return make_error(ErrorCode::unprocessable, "The pack being built is not a regular file");
  struct Close {
    int fd;
    ~Close() { ::close(fd); }
  } closer{fd};
  char magic[8];
  if (::pread(fd, magic, sizeof magic, 0) != static_cast<ssize_t>(sizeof magic) ||
      std::memcmp(magic, "APXPACK1", sizeof magic) != 0)
    return make_error(ErrorCode::unprocessable, "The file being built is not a pack");
  auto const n = ends_.size();
  // Counted before the put: a piece committed whose snapshot then fails is removed with the rest.
  tried_ = std::max(tried_, n + 1);
  auto writer = blobs_.put(snapshot_piece_key(key_, n));
  if (!writer) return writer.error();
  // In pieces of 1 MiB: a second of a fast build is tens of megabytes.
  std::vector<char> buf(1 << 20);
  for (std::uint64_t at = from; at < snap->readable;) {
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), snap->readable - at));
    ssize_t got = ::pread(fd, buf.data(), want, static_cast<off_t>(at));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0)
      return make_error(ErrorCode::internal, "Cannot read the pack being built",
                        got < 0 ? std::strerror(errno) : "short file");
    if (auto s = (*writer)->write(std::span<char const>(buf.data(), static_cast<std::size_t>(got))); !s)
      return s.error();
    at += static_cast<std::uint64_t>(got);
  }
  if (auto s = (*writer)->commit(); !s) return s.error();
  if (auto s = storage::put_bytes(blobs_, snapshot_key(key_, n), snap->bytes); !s) return s.error();
  ends_.push_back(snap->readable);
  // The snapshot before last is no longer named anywhere: a reader that read the row naming it a
  // moment ago has read it by now or will read the newer one on its next miss.
  if (n >= 2) (void)blobs_.remove(snapshot_key(key_, n - 2));
  return true;
}

void SnapshotUpload::remove_all() {
  for (std::size_t n = 0; n < tried_; ++n) {
    (void)blobs_.remove(snapshot_piece_key(key_, n));
    (void)blobs_.remove(snapshot_key(key_, n));
  }
}

}  // namespace astropixel::datasets
