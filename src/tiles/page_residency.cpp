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
  volatile char sink = 0;
  for (std::size_t at = 0; at < bytes.size(); at += page) sink = sink + bytes[at];
  if (!bytes.empty()) sink = sink + bytes.back();
}

}  // namespace astropixel::tiles
