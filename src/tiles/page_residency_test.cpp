// Residency of mapped file pages: a page dropped from the page cache reads as not resident, and
// fault_in brings it back.
#include "tiles/page_residency.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace astropixel::tiles {
namespace {

TEST(PageResidency, AnUnreadPageIsNotResidentUntilFaultedIn) {
  auto path = std::filesystem::temp_directory_path() / ("page_residency_test_" + std::to_string(::getpid()));
  long const page = ::sysconf(_SC_PAGESIZE);
  std::string const data(static_cast<std::size_t>(4 * page), 'x');
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ASSERT_EQ(::fsync(fd), 0);
  ASSERT_EQ(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
  void* map = ::mmap(nullptr, data.size(), PROT_READ, MAP_SHARED, fd, 0);
  ASSERT_NE(map, MAP_FAILED);
  // A span starting inside the second page and ending inside the third, like a tile.
  std::span<char const> tile(static_cast<char const*>(map) + page + 100, static_cast<std::size_t>(page));
  bool dropped = !resident(tile);
  fault_in(tile);
  EXPECT_TRUE(resident(tile));
  EXPECT_EQ(tile[0], 'x');
  ::munmap(map, data.size());
  ::close(fd);
  std::filesystem::remove(path);
  if (!dropped) GTEST_SKIP() << "this filesystem kept the pages after POSIX_FADV_DONTNEED";
}

TEST(PageResidency, EmptyAndAnonymousMemoryAreResident) {
  EXPECT_TRUE(resident({}));
  std::string touched(10000, 'y');
  EXPECT_TRUE(resident(std::span<char const>(touched.data(), touched.size())));
}

}  // namespace
}  // namespace astropixel::tiles
