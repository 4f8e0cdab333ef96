#pragma once
// Uploads on local disk: one file `{dir}/{id}.part` per upload, whose size is the upload's offset
// (no second copy of it to disagree), fdatasync'ed before each answer. The finished file is the
// Source, moved into the dataset store.
#include <filesystem>

#include "upload/upload_store.hpp"

namespace astropixel::upload {

class LocalFileStore final : public UploadStore {
 public:
  explicit LocalFileStore(std::filesystem::path dir);

  Result<std::string> create(std::string const& id, std::uint64_t length) override;
  std::uint64_t local_bytes(std::uint64_t length, std::uint64_t offset) const override;
  std::uint64_t offset(std::string const& id, std::uint64_t recorded) override;
  Result<std::unique_ptr<Writer>> open(std::string const& id, std::uint64_t offset) override;
  Status write(Writer& w, std::span<char const> bytes) override;
  bool wants_flush(Writer const&) const override { return false; }
  Status flush(Writer&, StillMine const&) override { return {}; }
  void rollback(Writer& w, std::uint64_t to) override;
  Status make_durable(Writer& w, StillMine const& still_mine) override;
  Result<Source> assemble(std::string const& id, std::uint64_t length, Writer* w) override;
  void release(std::string const&) override {}
  void discard(std::string const& id, std::string const& record) override;

 private:
  std::filesystem::path path_of(std::string const& id) const { return dir_ / (id + ".part"); }
  std::filesystem::path dir_;
};

// An errno from local disk as an Error: insufficient_storage (insufficient_disk_space) for a full
// disk or quota, unavailable otherwise.
Error disk_error(std::string_view what, int err);

}  // namespace astropixel::upload
