#pragma once
// Whole-file gzip (`.fits.gz`, the way radio maps and many archive downloads come): cfitsio would
// inflate such a file into memory, so it is inflated here, streaming, into a scratch file that lives
// as long as the returned handle. Bounded: at most `max_bytes` out, and the disk keeps its reserve.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

#include "core/error.hpp"

namespace astropixel::pyramid {

// Whether `head` (a file's first bytes) is a gzip member header.
bool is_gzip(std::string_view head);
// Whether `head` starts like Unix compress (LZW, `.fits.Z`, as older archives serve FITS).
bool is_lzw(std::string_view head);

// The first up to 16 bytes of the inflated stream (to sniff what is inside); empty on error.
std::string inflated_head(std::filesystem::path const& path);

class ScratchFile {
 public:
  explicit ScratchFile(std::filesystem::path p) : path_(std::move(p)) {}
  ~ScratchFile();
  ScratchFile(ScratchFile const&) = delete;
  ScratchFile& operator=(ScratchFile const&) = delete;
  std::filesystem::path const& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Inflates `path` into a new file in the input's directory (or the temporary directory when that
// cannot be written). Errors: unprocessable (corrupt_image: a damaged stream; pixel_limit_exceeded:
// more than max_bytes), insufficient_storage (the disk would keep less than its reserve).
Result<std::unique_ptr<ScratchFile>> gunzip_to_scratch(std::filesystem::path const& path,
                                                       std::uint64_t max_bytes);

// The same for Unix compress (LZW), which zlib cannot read: gzip(1) decompresses it (`gzip -dc`, no
// shell), streaming into the scratch file under the same bounds; it is stopped at the cap.
Result<std::unique_ptr<ScratchFile>> uncompress_to_scratch(std::filesystem::path const& path,
                                                           std::uint64_t max_bytes);

}  // namespace astropixel::pyramid
