#pragma once
// tus uploads: a row per upload (owner, length, metadata, expiry). On local storage the bytes are
// one file whose size is the upload's offset, fdatasync'ed before each answer; on an object store
// they go to the store as they arrive (object_staging.hpp) and the row holds the offset. Bytes are
// written where the request says they go only when that equals the offset. One writer per upload
// at a time: a new PATCH takes the upload over from a stalled one, whose later writes are refused,
// so two requests never interleave. On the last byte the image is probed (its header only) and
// becomes a dataset with its build job.
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
#include "upload/object_staging.hpp"
#include "upload/upload_metadata.hpp"

namespace astropixel::upload {

struct Settings {
  std::filesystem::path dir;  // where partial uploads live (local disk)
  std::uint64_t max_upload_size = 0;
  std::uint64_t reserve_bytes = 0;  // free space that must remain after an upload
  std::chrono::milliseconds expire_after{std::chrono::hours(24)};
  std::uint64_t max_pixels = 0;
  // Headers are read in a sandboxed child process (datasets/probe_process.hpp) when set: `serve`
  // does; unit tests of this library probe in process (their binary is not astropixel, whose
  // `_probe` command the child runs). Its address-space limit, its deadline (PROBE_TIMEOUT_S), and
  // for tests a fault ("crash" or "hang").
  bool probe_in_child = false;
  std::uint64_t probe_memory_bytes = 0;
  std::chrono::seconds probe_timeout{30};
  std::function<std::string()> probe_fault{};
  std::function<Result<std::uint64_t>()> free_bytes;  // of `dir`
  // An object store with part assembly: bytes are staged there instead of in `dir`.
  storage::BlobStore* objects = nullptr;
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
  std::unique_ptr<ObjectStaging::Writer> staged_;  // object store mode
  std::string id_;
  std::uint64_t offset_ = 0, start_ = 0, length_ = 0;
  bool hold_ = false;
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
  // Whether written bytes wait to be shipped to the object store (call ship, off the I/O thread).
  bool wants_ship(Appender const& a) const;
  // Keeps this request's bytes out of the object store's parts until end_append (they may still be
  // discarded: a checksum is verified at the end of the body).
  void hold_parts(Appender& a) { a.hold_ = true; }
  // Errors: conflict (taken over), unavailable (the store).
  Status ship(Appender& a);
  // Forgets the bytes this request wrote (the body broke a rule and the request is refused whole).
  void rollback(Appender& a);
  // Makes the written bytes durable, refreshes the expiry, and finishes the upload on its last
  // byte: it becomes a dataset. Errors: unsupported_media_type and unprocessable (the bytes are
  // removed and the upload forgotten), conflict (taken over), unavailable.
  Result<Upload> end_append(auth::Principal const& who, std::unique_ptr<Appender> a);
  // Turns a complete upload into a dataset (idempotent). `staged`: the last request's writer in
  // object store mode (its caller holds the upload's io lock). Errors: as end_append.
  Result<Upload> finish(auth::Principal const& who, std::string const& id,
                        ObjectStaging::Writer* staged = nullptr);
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
  Result<datasets::Dataset> make_stored_dataset(std::string const& owner, Metadata const& metadata,
                                                std::string const& key, std::uint64_t size);

  db::Pool& pool_;
  datasets::DatasetService& datasets_;
  Settings settings_;
  std::unique_ptr<ObjectStaging> objects_;
  std::mutex slots_mutex_;
  std::map<std::string, std::shared_ptr<Appender::Slot>> slots_;
};

}  // namespace astropixel::upload
