#pragma once
// Where bytes live: sources, pyramids, previews. Keys are relative paths of [a-z0-9._-] segments
// separated by '/', never absolute, never "..": a key cannot name anything outside the store.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace astropixel::storage {

struct BlobInfo {
  std::string key;
  std::uint64_t size = 0;
};

// A blob being written. Nothing is visible under the key until commit() succeeds; destroying an
// uncommitted writer discards what was written.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  virtual Status write(std::span<char const> bytes) = 0;
  virtual Status commit() = 0;
};

// Object stores assemble one blob from parts uploaded separately (S3 multipart uploads). tus
// uploads use it on such stores, so every acknowledged byte is in the store and any instance can
// resume any upload. A session's parts are invisible until complete(); abort() drops them.
class PartAssembly {
 public:
  virtual ~PartAssembly() = default;
  // The part size for a blob of `size` bytes (every part but the last has this size).
  virtual std::size_t part_size_for(std::uint64_t size) const = 0;
  virtual Result<std::string> begin(std::string_view key) = 0;  // → session id
  // Part numbers start at 1. Returns the part's tag for complete().
  virtual Result<std::string> put_part(std::string_view key, std::string const& session, int number,
                                       std::span<char const> bytes) = 0;
  // Publishes the parts, in order, as the blob `key` of `size` bytes. Safe to repeat.
  virtual Status complete(std::string_view key, std::string const& session,
                          std::vector<std::string> const& tags, std::uint64_t size) = 0;
  virtual Status abort(std::string_view key, std::string const& session) = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Streams a new blob to `key`, replacing any existing one atomically at commit.
  virtual Result<std::unique_ptr<BlobWriter>> put(std::string_view key) = 0;
  // Reads up to out.size() bytes at `offset`; returns the count (0 at or past the end).
  // Errors: not_found when the key does not exist.
  virtual Result<std::size_t> read(std::string_view key, std::uint64_t offset, std::span<char> out) = 0;
  // Errors: not_found.
  virtual Result<BlobInfo> stat(std::string_view key) = 0;
  // Removing a missing key succeeds (idempotent).
  virtual Status remove(std::string_view key) = 0;
  // Every blob whose key starts with `prefix`, sorted by key.
  virtual Result<std::vector<BlobInfo>> list(std::string_view prefix) = 0;
  // Free bytes available to the store (for disk-space checks and /api/health).
  virtual Result<std::uint64_t> free_bytes() = 0;
  // Moves a finished local file into the store under `key`, replacing any blob there atomically
  // (a rename when the store is on the same file system, else a copy). On success the local file is
  // gone. Errors: as put, and not_found when `file` does not exist.
  virtual Status adopt(std::string_view key, std::filesystem::path const& file) = 0;
  // Where the blob lives on local disk when the store keeps blobs as files, so readers that need a
  // path (image decoders, pread on a pack) can use it directly. nullopt for remote stores.
  virtual std::optional<std::filesystem::path> local_path(std::string_view /*key*/) const {
    return std::nullopt;
  }
  // Part assembly, for stores that have it (nullptr: blobs are files written in place).
  virtual PartAssembly* part_assembly() { return nullptr; }
};

// Writes `bytes` as the whole blob `key`.
Status put_bytes(BlobStore& store, std::string_view key, std::span<char const> bytes);

// Validates a key against the rules above. Errors: bad_request.
Status validate_key(std::string_view key);

}  // namespace astropixel::storage
