// libFuzzer: the FITS header walk on arbitrary bytes. It either fails with an error or returns
// headers that lie inside the file, in order, each whole blocks.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "pyramid/fits_layout.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  using namespace astropixel::pyramid;
  auto read = [data, size](std::uint64_t at, std::span<char> out) {
    if (at > size || out.size() > size - at) return false;
    std::memcpy(out.data(), data + at, out.size());
    return true;
  };
  auto headers = fits_headers(read, size, {.max_hdus = 64, .max_header_bytes = 1u << 20});
  if (!headers) return 0;
  std::uint64_t end = 0;
  for (auto const& h : *headers) {
    if (h.offset < end || h.bytes == 0 || h.bytes % kFitsBlock != 0 || h.offset + h.bytes > size)
      std::abort();
    end = h.offset + h.bytes;
  }
  return 0;
}
