#include "core/allocator.hpp"

#if ASTROPIXEL_MIMALLOC
#include <mimalloc.h>
#else
#include <malloc.h>
#endif

namespace astropixel {

#if ASTROPIXEL_MIMALLOC
// mi_version() is also the reference that keeps libmimalloc among the executable's needed libraries
// when the linker drops unreferenced ones (--as-needed): its malloc replaces libc's only if loaded.
std::string allocator_name() {
  int v = mi_version();
  return "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." +
         std::to_string(v % 10);
}

void release_free_heap() {
  mi_collect(true);
}
#else
std::string allocator_name() {
  return "glibc";
}

void release_free_heap() {
  malloc_trim(0);
}
#endif

}  // namespace astropixel
