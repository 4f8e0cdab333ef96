#include "datasets/blob_copy.hpp"

#include <cstdio>
#include <vector>

namespace astropixel::datasets {

Status copy_blob_to_file(storage::BlobStore& blobs, std::string const& key, std::filesystem::path const& to,
                         std::atomic<bool> const& cancel) {
  std::error_code ec;
  std::filesystem::create_directories(to.parent_path(), ec);
  std::FILE* f = std::fopen(to.c_str(), "wb");
  if (!f) return make_error(ErrorCode::internal, "Cannot create a scratch file", to.string());
  std::vector<char> chunk(8 << 20);
  std::uint64_t offset = 0;
  Status result;
  for (;;) {
    if (cancel.load()) {
      result = make_error(ErrorCode::cancelled, "Cancelled");
      break;
    }
    auto got = blobs.read(key, offset, chunk);
    if (!got) {
      result = got.error();
      break;
    }
    if (*got == 0) break;
    if (std::fwrite(chunk.data(), 1, *got, f) != *got) {
      result = make_error(ErrorCode::insufficient_storage, "Cannot write a scratch copy", to.string());
      break;
    }
    offset += *got;
  }
  if (std::fclose(f) != 0 && result) result = make_error(ErrorCode::internal, "Cannot write a scratch copy");
  return result;
}

}  // namespace astropixel::datasets
