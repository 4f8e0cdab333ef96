#pragma once
// Where a FITS file's headers are, found without reading its data: each HDU is a header of 2880-byte
// blocks of 80-character cards ending with END, then data whose size follows from BITPIX, NAXISn,
// PCOUNT and GCOUNT (FITS 4.0, section 4.4.1). Used to probe a FITS file held in an object store:
// only the header blocks are fetched. Hostile input: every size is checked for overflow, and the
// walk is bounded in HDUs and header bytes.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/error.hpp"

namespace astropixel::pyramid {

inline constexpr std::size_t kFitsBlock = 2880;

struct FitsHeaderRange {
  std::uint64_t offset = 0, bytes = 0;  // a header: whole blocks, ending with the END card
};

struct FitsLimits {
  std::size_t max_hdus = 1000;
  std::uint64_t max_header_bytes = 16u << 20;  // over all HDUs
};

// Reads exactly out.size() bytes at `offset`; false when it cannot.
using FitsReadAt = std::function<bool(std::uint64_t offset, std::span<char> out)>;

// The headers of the file's HDUs, in order, up to the end of the file (the last HDU's data may be
// cut short: that is for the decoder to report). Errors: unprocessable (corrupt_image) when the file
// is not FITS, a header has no END, a size overflows, or a limit is passed.
Result<std::vector<FitsHeaderRange>> fits_headers(FitsReadAt const& read, std::uint64_t size,
                                                  FitsLimits const& limits = {});

}  // namespace astropixel::pyramid
