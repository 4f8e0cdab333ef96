#pragma once
#include <filesystem>

#include "storage/blob_store.hpp"

namespace astropixel::storage {

// Blobs as files under a root directory. put() writes to a temporary file in the same directory,
// then fsync + rename + fsync of the directory, so a crash leaves either the old blob or the new
// one, never a torn file.
class FsBlobStore final : public BlobStore {
 public:
  // Creates the root if needed. Errors: unavailable when it cannot be created.
  static Result<std::unique_ptr<FsBlobStore>> open(std::filesystem::path root);

  Result<std::unique_ptr<BlobWriter>> put(std::string_view key) override;
  Result<std::size_t> read(std::string_view key, std::uint64_t offset, std::span<char> out) override;
  Result<BlobInfo> stat(std::string_view key) override;
  Status remove(std::string_view key) override;
  Result<std::vector<BlobInfo>> list(std::string_view prefix) override;
  Result<std::uint64_t> free_bytes() override;
  Status adopt(std::string_view key, std::filesystem::path const& file) override;
  std::optional<std::filesystem::path> local_path(std::string_view key) const override;

  std::filesystem::path const& root() const { return root_; }

 private:
  explicit FsBlobStore(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;
};

}  // namespace astropixel::storage
