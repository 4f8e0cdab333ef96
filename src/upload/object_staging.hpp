#pragma once
// tus uploads on an object store (STORAGE_URL=s3://…). Every acknowledged byte is in the store, so
// any instance can resume any upload, and a machine's disk holds at most about one part per upload
// being written:
//  - a request's bytes go to a local spool file holding what follows the last shipped part;
//  - a full spool is shipped as the next part of a multipart upload of uploads/{id}/source;
//  - before a request is answered, spool bytes not yet in the store are put as a fragment object
//    (uploads/{id}/frag/…), so they outlive this instance; the next part makes them redundant;
//  - the upload's row (staged_offset, staging, staging_version) is the truth, changed only by
//    compare-and-set on staging_version: a request on an upload taken over elsewhere fails.
// An instance that did not make the row's last change rebuilds its spool from the fragments (less
// than one part). The last request's tail is shipped as the last part and the upload completed.
// Honest clients send the same bytes for the same offsets; a client that does not can only spoil
// its own upload.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "db/pool.hpp"
#include "storage/blob_store.hpp"

namespace astropixel::upload {

struct Fragment {
  std::string name;  // under uploads/{id}/frag/
  std::uint64_t size = 0;
};

// What the row records.
struct Staged {
  std::uint64_t offset = 0;     // durable: every byte below it is in the store
  std::uint64_t part_size = 0;  // every part but the last
  std::string session;          // the multipart upload, empty until the first part
  std::vector<std::string> tags;
  std::vector<Fragment> fragments;  // after the parts, in order
  std::int64_t version = 0;
  std::uint64_t parts_end() const { return tags.size() * part_size; }
};

class ObjectStaging {
 public:
  // One request's bytes: the spool holds [base, end); [base, st.offset) is durable.
  struct Writer {
    ~Writer();
    std::string id;
    Staged st;
    int fd = -1;
    std::uint64_t base = 0, end = 0;
  };

  // Errors at construction are not possible; `store` must have part assembly.
  ObjectStaging(db::Pool& pool, storage::BlobStore& store, std::filesystem::path dir);

  static std::string source_key(std::string const& id) { return "uploads/" + id + "/source"; }
  // The staging column of a new upload of `length` bytes.
  std::string initial(std::uint64_t length) const;
  std::uint64_t part_size_for(std::uint64_t length) const;
  Result<Staged> load(db::Connection& c, std::string const& id);
  // The row's staging record (offset and version are not in it). Errors: internal.
  static Result<Staged> parse(std::string const& record);

  // A writer at the row's durable offset. The local spool is trusted when it was in step with the
  // row at `trusted_version` (this instance made the last change); otherwise it is rebuilt from the
  // fragments. Errors: unavailable (store), insufficient_storage.
  Result<std::unique_ptr<Writer>> open(std::string const& id, Staged st, std::int64_t trusted_version);
  // Appends at w.end (local disk only). Errors: insufficient_storage, unavailable.
  Status append(Writer& w, std::span<char const> bytes);
  bool full(Writer const& w) const { return w.end - w.base >= w.st.part_size; }
  // Ships every full part of the spool. Errors: conflict (taken over), unavailable.
  Status ship(Writer& w);
  // Puts the spool's bytes past the durable offset as a fragment and records them. Errors: as ship.
  Status commit(Writer& w);
  // Forgets bytes of this request not yet durable, back to `to` (never below the durable offset).
  void rollback(Writer& w, std::uint64_t to);
  // Completes the upload of `length` bytes from a writer whose spool ends at `length`, as
  // source_key(id). Safe to repeat: an already completed source is kept. Errors: unavailable.
  Status assemble(Writer& w, std::uint64_t length);
  // Whether source_key(id) is complete with `length` bytes (a completion whose answer was lost).
  bool assembled(std::string const& id, std::uint64_t length);
  // Removes the fragments and the spool of a finished upload.
  void clean(std::string const& id);
  // Drops everything of an upload: the multipart session, fragments, source and spool.
  void discard(std::string const& id, Staged const& st);

 private:
  Status record(Writer& w, Staged next);  // compare-and-set on the row
  std::filesystem::path spool_path(std::string const& id) const { return dir_ / (id + ".spool"); }

  db::Pool& pool_;
  storage::BlobStore& store_;
  storage::PartAssembly& parts_;
  std::filesystem::path dir_;
};

}  // namespace astropixel::upload
