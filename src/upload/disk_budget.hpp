#pragma once
// The disk that holds uploads also holds the database (DATA_DIR): no upload may take it below
// DISK_RESERVE_BYTES. Free space alone says too little, because open uploads have been promised
// room they have not used yet: each writer holds a reservation (what it may still add: a tus
// upload's declared length minus what it has written, a form upload's Content-Length minus what
// has arrived, nothing when undeclared), and
//   - a new writer is admitted when  free − reserve − Σ reservations ≥ its reservation;
//   - before n more bytes are written:  free − reserve − Σ other writers' reservations ≥ n
//     (its own reservation is room it may use; the bytes it writes lower free space instead),
//     which stops a writer whose room was taken by something else (builds, logs, another process),
//     and bounds one that declared nothing.
// Counted in this process only: an upload admitted before a restart holds no reservation until its
// next write. Two writers checking at the same moment may each use the same free bytes, at most
// one write (256 KiB) each.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "core/error.hpp"

namespace astropixel::upload {

class DiskBudget {
 public:
  // `slack`: bytes a write may cost the file system beyond its own (block rounding, metadata),
  // kept free in addition to the reserve before each write.
  DiskBudget(std::function<Result<std::uint64_t>()> free_bytes, std::uint64_t reserve,
             std::uint64_t slack = 0);

  // Admits writer `key`, which may add `bytes`. Errors: insufficient_storage
  // (insufficient_disk_space), and free_bytes()'s own.
  Status claim(std::string const& key, std::uint64_t bytes);
  // Before `key` (claimed or not) writes `n` bytes; its reservation shrinks by n. Errors:
  // insufficient_storage (insufficient_disk_space), and free_bytes()'s own.
  Status draw(std::string const& key, std::uint64_t n);
  // The writer is done (finished, terminated, expired, or a form upload ended).
  void release(std::string const& key);
  // Σ reservations.
  std::uint64_t reserved() const;

 private:
  std::function<Result<std::uint64_t>()> free_bytes_;
  std::uint64_t reserve_;
  std::uint64_t slack_;
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> reservations_;
  std::uint64_t total_ = 0;
};

}  // namespace astropixel::upload
