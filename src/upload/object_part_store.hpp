#pragma once
// Uploads on an object store with part assembly (STORAGE_URL=s3://…): the mechanics are
// ObjectStaging's (a local spool of about one part, parts and fragments in the store, the offset
// in the row by compare-and-set; object_staging.hpp). This adds what a store needs around them:
// one instance's work on an upload's spool and parts is serialised, and the spool is trusted only
// when this instance made the row's last change. The Source is the object uploads/{id}/source.
#include <map>
#include <memory>
#include <mutex>

#include "upload/object_staging.hpp"
#include "upload/upload_store.hpp"

namespace astropixel::upload {

class ObjectPartStore final : public UploadStore {
 public:
  // `store` must have part assembly; `dir` holds the spools.
  ObjectPartStore(db::Pool& pool, storage::BlobStore& store, std::filesystem::path dir);

  Result<std::string> create(std::string const& id, std::uint64_t length) override;
  std::uint64_t local_bytes(std::uint64_t length, std::uint64_t offset) const override;
  std::uint64_t offset(std::string const& id, std::uint64_t recorded) override;
  Result<std::unique_ptr<Writer>> open(std::string const& id, std::uint64_t offset) override;
  Status write(Writer& w, std::span<char const> bytes) override;
  bool wants_flush(Writer const& w) const override;
  Status flush(Writer& w, StillMine const& still_mine) override;
  void rollback(Writer& w, std::uint64_t to) override;
  Status make_durable(Writer& w, StillMine const& still_mine) override;
  Result<Source> assemble(std::string const& id, std::uint64_t length, Writer* w) override;
  void release(std::string const& id) override;
  void discard(std::string const& id, std::string const& record) override;

 private:
  struct Slot {
    std::mutex io;                    // this instance's work on the upload's spool and parts
    std::int64_t spool_version = -1;  // the row version the spool is in step with
  };
  std::shared_ptr<Slot> slot(std::string const& id);
  void drop(std::string const& id);

  db::Pool& pool_;
  ObjectStaging staging_;
  std::mutex slots_mutex_;
  std::map<std::string, std::shared_ptr<Slot>> slots_;
};

}  // namespace astropixel::upload
