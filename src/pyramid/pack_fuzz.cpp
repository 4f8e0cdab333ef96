// libFuzzer: the pack reader on arbitrary files (read as a remote pack would be: ranged reads), and
// the same bytes as a build's snapshot (ADR 0034, 0036: written by a build child, which may be a
// compromised one) over a pack of those bytes. Opening either fails with an error or yields a reader
// whose every tile and preview read stays in bounds.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "pyramid/pack.hpp"

namespace {

void read_everything(astropixel::pyramid::PackReader const& r) {
  auto const& g = r.geometry();
  std::size_t reads = 0;
  for (int l = 0; l <= g.max_level() && reads < 4096; ++l)
    for (std::uint32_t y = 0; y < g.rows(l) && reads < 4096; ++y)
      for (std::uint32_t x = 0; x < g.cols(l) && reads < 4096; ++x, ++reads) (void)r.tile(l, x, y);
  (void)r.preview();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  using astropixel::pyramid::PackReader;
  auto read = [data, size](void* buf, std::size_t n, std::uint64_t off) {
    if (off > size || n > size - off) return false;
    std::memcpy(buf, data + off, n);
    return true;
  };
  if (auto r = PackReader::open_remote(read, size)) read_everything(**r);
  std::string_view const snapshot(reinterpret_cast<char const*>(data), size);
  if (auto r = PackReader::open_live_remote(snapshot, read, size)) read_everything(**r);
  return 0;
}
