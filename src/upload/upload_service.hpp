#pragma once
// tus uploads: a row per upload (owner, length, metadata, expiry) and the bytes in one local file
// whose size is the upload's offset. Bytes are written where the request says they go only when
// that equals the file's size; acknowledged bytes are fdatasync'ed before the answer. One writer
// per upload at a time: a new PATCH takes the upload over from a stalled one, whose later writes
// are refused, so two requests never interleave. On the last byte the file is probed and becomes a
// dataset with its build job.
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "auth/policy.hpp"
#include "datasets/dataset_service.hpp"
#include "db/pool.hpp"
#include "upload/upload_metadata.hpp"

namespace astropixel::upload {

struct Settings {
  std::filesystem::path dir;  // where partial uploads live (local disk)
  std::uint64_t max_upload_size = 0;
  std::uint64_t reserve_bytes = 0;  // free space that must remain after an upload
  std::chrono::milliseconds expire_after{std::chrono::hours(24)};
  std::uint64_t max_pixels = 0;
  std::function<Result<std::uint64_t>()> free_bytes;  // of `dir`
};

struct Upload {
  std::string id, owner_id;
  std::uint64_t length = 0, offset = 0;
  Metadata metadata;
  std::string state;  // open | finished | expired
  std::string dataset_id;
  std::int64_t created_at = 0, expires_at = 0;
};

class UploadService;

// One PATCH's right to append. Obtained from begin_append; later writes fail with conflict once
// another request has taken the upload over.
class Appender {
 public:
  ~Appender();
  std::uint64_t offset() const { return offset_; }
  std::uint64_t length() const { return length_; }
  std::string const& id() const { return id_; }

 private:
  friend class UploadService;
  struct Slot;
  std::shared_ptr<Slot> slot_;
  std::uint64_t generation_ = 0;
  int fd_ = -1;
  std::string id_;
  std::uint64_t offset_ = 0, start_ = 0, length_ = 0;
};

class UploadService {
 public:
  UploadService(db::Pool& pool, datasets::DatasetService& datasets, Settings settings);

  // Errors: payload_too_large (over MAX_UPLOAD_SIZE), insufficient_storage, bad_request (metadata),
  // validation (name, category, visibility, stretch).
  Result<Upload> create(auth::Principal const& who, std::uint64_t length, std::string_view metadata_header);
  // Errors: not_found (absent or someone else's), gone (expired).
  Result<Upload> get(auth::Principal const& who, std::string const& id);
  // Errors: as get, conflict (offset_mismatch) with nothing changed, conflict when already complete.
  Result<std::unique_ptr<Appender>> begin_append(auth::Principal const& who, std::string const& id,
                                                 std::uint64_t offset);
  // Appends bytes at the appender's offset. Errors: conflict (taken over by a newer request),
  // insufficient_storage (disk full), payload_too_large (past Upload-Length).
  Status write(Appender& a, std::span<char const> bytes);
  // Forgets the bytes this request wrote (the body broke a rule and the request is refused whole).
  void rollback(Appender& a);
  // Makes the written bytes durable, refreshes the expiry, and finishes the upload on its last
  // byte. Errors: those of finish.
  Result<Upload> end_append(auth::Principal const& who, std::unique_ptr<Appender> a);
  // Turns a complete upload into a dataset (idempotent). Errors: unsupported_media_type and
  // unprocessable (the bytes are removed and the upload forgotten), unavailable.
  Result<Upload> finish(auth::Principal const& who, std::string const& id);
  // Errors: not_found.
  Status terminate(auth::Principal const& who, std::string const& id);

  // Single-request (multipart) uploads. A fresh local file for `expected` bytes. Errors:
  // payload_too_large, insufficient_storage.
  Result<std::filesystem::path> reserve_file(std::uint64_t expected);
  // Probes `path` and turns it into a dataset owned by `who` (the file is moved into the store).
  // Errors: validation (metadata), unsupported_media_type, unprocessable; the caller removes the
  // file on error.
  Result<datasets::Dataset> ingest(auth::Principal const& who, Metadata const& metadata,
                                   std::filesystem::path const& path, std::uint64_t size);
  // Expires unfinished uploads past their time and deletes their bytes; returns how many.
  Result<int> expire();

  Settings const& settings() const { return settings_; }

 private:
  std::shared_ptr<Appender::Slot> slot(std::string const& id);
  void drop_slot(std::string const& id);
  std::filesystem::path path_of(std::string const& id) const { return settings_.dir / (id + ".part"); }
  Result<Upload> load(db::Connection& c, std::string const& id);
  Result<datasets::Dataset> make_dataset(std::string const& owner, Metadata const& metadata,
                                         std::filesystem::path const& path, std::uint64_t size);

  db::Pool& pool_;
  datasets::DatasetService& datasets_;
  Settings settings_;
  std::mutex slots_mutex_;
  std::map<std::string, std::shared_ptr<Appender::Slot>> slots_;
};

}  // namespace astropixel::upload
