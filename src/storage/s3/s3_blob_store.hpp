#pragma once
// The blob store on an S3-compatible object store (STORAGE_URL=s3://bucket/prefix). Blobs are
// objects under the prefix; big ones travel as multipart uploads in parts of at least 16 MiB (a
// 40 GB file needs 2,560 of S3's 10,000 parts), so memory per writer is one part.
#include <memory>
#include <string>

#include "storage/blob_store.hpp"
#include "storage/s3/s3_client.hpp"

namespace astropixel::storage {

// "s3://bucket[/prefix]" → (bucket, "prefix/"). Errors: validation.
Result<std::pair<std::string, std::string>> parse_s3_url(std::string_view url);

class S3BlobStore final : public BlobStore, public PartAssembly {
 public:
  static constexpr std::size_t kMinPartSize = 16u << 20;
  static constexpr std::size_t kMaxParts = 10'000;

  // Errors: validation (bad URL), unavailable (the bucket does not answer).
  static Result<std::unique_ptr<S3BlobStore>> open(std::string_view url, S3Config config);

  Result<std::unique_ptr<BlobWriter>> put(std::string_view key) override;
  Result<std::size_t> read(std::string_view key, std::uint64_t offset, std::span<char> out) override;
  Result<BlobInfo> stat(std::string_view key) override;
  Status remove(std::string_view key) override;
  Result<std::vector<BlobInfo>> list(std::string_view prefix) override;
  // An object store has no meaningful free space: the maximum when the bucket answers.
  Result<std::uint64_t> free_bytes() override;
  Status adopt(std::string_view key, std::filesystem::path const& file) override;

  PartAssembly* part_assembly() override { return this; }

  // The part size for a file of `size` bytes: at least kMinPartSize, and few enough parts.
  std::size_t part_size_for(std::uint64_t size) const override { return part_size(size, min_part_); }
  Result<std::string> begin(std::string_view key) override;
  Result<std::string> put_part(std::string_view key, std::string const& session, int number,
                               std::span<char const> bytes) override;
  Status complete(std::string_view key, std::string const& session, std::vector<std::string> const& tags,
                  std::uint64_t size) override;
  Status abort(std::string_view key, std::string const& session) override;

  S3Client& client() { return *client_; }
  static std::size_t part_size(std::uint64_t size, std::size_t min_part = kMinPartSize);

 private:
  S3BlobStore(std::unique_ptr<S3Client> client, std::string prefix, std::size_t min_part)
      : client_(std::move(client)), prefix_(std::move(prefix)), min_part_(min_part) {}
  std::string object(std::string_view key) const { return prefix_ + std::string(key); }
  std::unique_ptr<S3Client> client_;
  std::string prefix_;
  std::size_t min_part_;
};

}  // namespace astropixel::storage
