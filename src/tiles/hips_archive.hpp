#pragma once
// A dataset's HiPS as one ustar archive, streamed from the blob store without being assembled: every
// member's size is known from the store's listing, so the archive's length and the position of every
// byte are too. That gives an exact Content-Length, Range requests (a resumable download) and constant
// memory whatever the HiPS's size (ADR 0030).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "http/response.hpp"
#include "storage/blob_store.hpp"

namespace astropixel::tiles {

struct ArchiveMember {
  std::string name;  // in the archive, under its top directory
  std::string key;   // the blob
  std::uint64_t size = 0;
  std::uint64_t offset = 0;  // of its header in the archive
};

class HipsArchive {
 public:
  // The HiPS files of one version (`prefix` as pyramid::hips::blob_prefix), named under `top`
  // ("hips-{id}-v{n}/Norder3/Allsky.png"). Errors: the store's; not_found when there are none.
  static Result<std::shared_ptr<HipsArchive const>> plan(storage::BlobStore& blobs, std::string const& prefix,
                                                         std::string const& top);

  std::uint64_t size() const { return size_; }
  std::size_t members() const { return members_.size(); }
  // Bytes [offset, offset + n) of the archive (n > 0 within size()); -1 when the store fails.
  std::int64_t read(std::uint64_t offset, char* out, std::size_t n) const;

 private:
  HipsArchive(storage::BlobStore& blobs) : blobs_(blobs) {}
  storage::BlobStore& blobs_;
  std::vector<ArchiveMember> members_;
  std::uint64_t size_ = 0;
};

// The 512-byte ustar header of a regular file (mode 0644, mtime 0: the archive of one version is the
// same bytes every time). `name` must be shorter than 100 bytes.
std::string ustar_header(std::string const& name, std::uint64_t size);

}  // namespace astropixel::tiles
