#include "tiles/page_residency.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

namespace astropixel::tiles {
namespace {

std::uintptr_t page_size() {
  static std::uintptr_t const size = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

}  // namespace

bool resident(std::span<char const> bytes) {
  if (bytes.empty()) return true;
  auto const page = page_size();
  auto first = reinterpret_cast<std::uintptr_t>(bytes.data()) & ~(page - 1);
  auto end = reinterpret_cast<std::uintptr_t>(bytes.data()) + bytes.size();
  auto pages = (end - first + page - 1) / page;
  // A tile is a few pages; the vector is small and rarely allocated beyond the stack's reach.
  unsigned char small[64];
  std::vector<unsigned char> large;
  unsigned char* vec = small;
  if (pages > sizeof small) {
    large.resize(pages);
    vec = large.data();
  }
  if (::mincore(reinterpret_cast<void*>(first), end - first, vec) != 0) return true;
  for (std::size_t i = 0; i < pages; ++i)
    if (!(vec[i] & 1)) return false;
  return true;
}

void fault_in(std::span<char const> bytes) {
  auto const page = page_size();
  // A fault on a file mapping reads the device's whole readahead window around the page (read_ahead_kb:
  // 128 kB by default, 8 MiB on the bench machine), most of it other tiles and value planes: there a
  // cold 20 kB tile cost ~5 MB of reads and as much page cache, evicting tiles still wanted when
  // memory is short (bench/many.sh, over). Asking for the tile's pages first reads just them (one
  // request); the touches below then find them in the page cache and read nothing more.
  if (!bytes.empty()) {
    auto first = reinterpret_cast<std::uintptr_t>(bytes.data()) & ~(page - 1);
    auto end = reinterpret_cast<std::uintptr_t>(bytes.data()) + bytes.size();
    ::madvise(reinterpret_cast<void*>(first), end - first, MADV_WILLNEED);  // advice: failure is harmless
  }
  volatile char sink = 0;
  for (std::size_t at = 0; at < bytes.size(); at += page) sink = sink + bytes[at];
  if (!bytes.empty()) sink = sink + bytes.back();
}

}  // namespace astropixel::tiles
