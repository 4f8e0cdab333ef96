#include "core/allocator.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdlib>

namespace astropixel {
namespace {

#if ASTROPIXEL_MIMALLOC
// Linking the library is not enough: its malloc must be the one every library calls (libvips, libtiff,
// Beast), which holds only if libmimalloc comes before libc in the symbol search order.
TEST(Allocator, MimallocServesMalloc) {
  void* p = std::malloc(100);
  Dl_info info{};
  ASSERT_NE(dladdr(reinterpret_cast<void*>(&malloc), &info), 0);
  EXPECT_NE(std::string(info.dli_fname).find("mimalloc"), std::string::npos) << info.dli_fname;
  std::free(p);
  EXPECT_TRUE(allocator_name().starts_with("mimalloc 2.")) << allocator_name();
}
#else
TEST(Allocator, GlibcWhereMimallocIsNotLinked) {
  EXPECT_EQ(allocator_name(), "glibc");
}
#endif

TEST(Allocator, ReleasingFreeHeapKeepsLiveMemory) {
  auto* p = static_cast<unsigned char*>(std::malloc(1 << 20));
  ASSERT_NE(p, nullptr);
  p[0] = 7;
  p[(1 << 20) - 1] = 9;
  release_free_heap();
  EXPECT_EQ(p[0], 7);
  EXPECT_EQ(p[(1 << 20) - 1], 9);
  std::free(p);
}

}  // namespace
}  // namespace astropixel
