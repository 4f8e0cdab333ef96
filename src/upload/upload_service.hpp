#pragma once
// tus uploads: the protocol's state machine over an UploadStore (upload_store.hpp), which keeps the
// bytes. A row per upload (owner, length, metadata, expiry, the store's record). Bytes are written
// where the request says they go only when that equals the offset. One writer per upload at a
// time: a new PATCH takes the upload over from a stalled one, whose later writes are refused, so two
// requests never interleave. A request with Upload-Checksum counts only when its whole body arrived
// and matches; otherwise its bytes are dropped. Its first bytes are sniffed as they arrive (the
// build's own signatures): a file that is no accepted image is refused and discarded at once. On the last
// byte the image is probed (its header only) and becomes a dataset with its build job. Every upload's room on
// the local disk is reserved in a DiskBudget (disk_budget.hpp) at creation and re-checked as bytes arrive.
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
#include "upload/checksum.hpp"
#include "upload/disk_budget.hpp"
#include "upload/form_file.hpp"
#include "upload/upload_metadata.hpp"
#include "upload/upload_store.hpp"

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
  // What a write may take beyond its bytes: whole file-system blocks, and the blocks of the files
  // written beside it. Measured on tmpfs: 8 KiB past the reserve without it.
  std::uint64_t fs_slack_bytes = 64 * 1024;
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
  // The store's state in the row: its record (staging) and the offset it recorded.
  std::string store_record;
  std::uint64_t recorded_offset = 0;
};

class UploadService;

// One PATCH's right to append. Obtained from begin_append; later writes fail with conflict once
// another request has taken the upload over.
class Appender {
 public:
  ~Appender();
  std::uint64_t offset() const { return writer_->end(); }
  std::uint64_t length() const { return length_; }
  std::string const& id() const { return id_; }

 private:
  friend class UploadService;
  struct Slot;
  std::shared_ptr<Slot> slot_;
  std::uint64_t generation_ = 0;
  std::unique_ptr<UploadStore::Writer> writer_;
  std::unique_ptr<Checksum> checksum_;  // the request's Upload-Checksum, if any
  std::string id_;
  std::uint64_t start_ = 0, length_ = 0;
  bool refused_ = false;   // the body broke a rule: the request is refused whole
  bool rejected_ = false;  // the first bytes are no image we accept: the upload is discarded
};

class UploadService {
 public:
  // The store follows the settings: parts in `objects` when it has part assembly, else files.
  UploadService(db::Pool& pool, datasets::DatasetService& datasets, Settings settings);
  // With a store of the caller's making (tests inject faults through it).
  UploadService(db::Pool& pool, datasets::DatasetService& datasets, Settings settings,
                std::unique_ptr<UploadStore> store);
  ~UploadService();

  // Errors: payload_too_large (over MAX_UPLOAD_SIZE), insufficient_storage, bad_request (metadata),
  // validation (name, category, visibility, stretch).
  Result<Upload> create(auth::Principal const& who, std::uint64_t length, std::string_view metadata_header);
  // Errors: not_found (absent or someone else's), gone (expired).
  Result<Upload> get(auth::Principal const& who, std::string const& id);
  // Takes the upload over for one request's body at `offset`; with `checksum`, the request's bytes
  // count only if the whole body matches it. Errors: as get, conflict (offset_mismatch) with
  // nothing changed, conflict (upload_complete).
  Result<std::unique_ptr<Appender>> begin_append(auth::Principal const& who, std::string const& id,
                                                 std::uint64_t offset,
                                                 std::unique_ptr<Checksum> checksum = nullptr);
  // Appends bytes at the appender's offset. Blocking (disk, and the object store when a part is
  // full): call it off the I/O thread. Errors: payload_too_large (past_upload_length: the request
  // will be refused whole), insufficient_storage (the disk reserve would be crossed, or the disk is
  // full: the bytes so far are kept), conflict (taken over by a newer request), unavailable.
  Status write(Appender& a, std::span<char const> bytes);
  // Ends the request whose body ended with `body` (ok, or why it broke off; a failed write's error).
  // The checksum verdict, then: bytes of a refused request (past Upload-Length, a checksum that
  // does not match or could not be verified) are dropped, the rest made durable, the expiry
  // refreshed, and on the last byte the upload becomes a dataset. Returns the first error of the
  // request, else the upload as it now stands. Errors: those of `body`, checksum_mismatch,
  // unsupported_media_type and unprocessable (the bytes are removed and the upload forgotten),
  // conflict (taken over), unavailable.
  Result<Upload> end_append(auth::Principal const& who, std::unique_ptr<Appender> a, Status body = {});
  // Turns a complete upload into a dataset (idempotent: a finish interrupted by a crash is done by
  // the next HEAD). Errors: as end_append.
  Result<Upload> finish(auth::Principal const& who, std::string const& id);
  // Errors: not_found.
  Status terminate(auth::Principal const& who, std::string const& id);
  // Terminates every upload of the caller (deleting the account), each as terminate does.
  Status terminate_all(auth::Principal const& who);

  // Single-request (multipart) uploads: a fresh local file for a body of `declared` bytes (nullopt:
  // a chunked body, checked as it streams). Errors: payload_too_large, insufficient_storage.
  Result<std::unique_ptr<FormFile>> open_form_file(std::optional<std::uint64_t> declared);
  // Probes `path` and turns it into a dataset owned by `who` (the file is moved into the store).
  // Errors: validation (metadata), unsupported_media_type, unprocessable; the caller removes the
  // file on error.
  Result<datasets::Dataset> ingest(auth::Principal const& who, Metadata const& metadata,
                                   std::filesystem::path const& path, std::uint64_t size);
  // Expires unfinished uploads past their time and deletes their bytes; returns how many.
  Result<int> expire();

  Settings const& settings() const { return settings_; }
  DiskBudget& disk_budget() { return budget_; }

 private:
  std::shared_ptr<Appender::Slot> slot(std::string const& id);
  void drop_slot(std::string const& id);
  bool still_mine(Appender const& a);
  void rollback(Appender& a);
  // The early format check on the upload's first bytes, under the slot's lock. Errors:
  // unsupported_media_type (unsupported_format).
  Status sniff(Appender& a, std::span<char const> bytes);
  // Removes a refused upload's bytes and row; returns `why`.
  Error reject(std::string const& id, std::string const& store_record, Error why);
  Result<Upload> load(db::Connection& c, std::string const& id);
  Result<Upload> finish(auth::Principal const& who, std::string const& id, UploadStore::Writer* last);
  Result<datasets::Dataset> make_dataset(std::string const& owner, Metadata const& metadata,
                                         std::filesystem::path const& path, std::uint64_t size);
  Result<datasets::Dataset> make_stored_dataset(std::string const& owner, Metadata const& metadata,
                                                std::string const& key, std::uint64_t size);

  db::Pool& pool_;
  datasets::DatasetService& datasets_;
  Settings settings_;
  std::unique_ptr<UploadStore> store_;
  DiskBudget budget_;
  std::mutex slots_mutex_;
  std::map<std::string, std::shared_ptr<Appender::Slot>> slots_;
};

}  // namespace astropixel::upload
