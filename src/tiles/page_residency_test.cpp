// Residency of mapped file pages: a page dropped from the page cache reads as not resident, and
// fault_in brings it back, without the readahead window around it.
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

// A cold tile costs its own pages, not the readahead window around them: a fault on a file mapping
// reads the whole window (read_ahead_kb, 128 kB by default), which for a 20 kB tile is mostly other
// tiles and evicts wanted ones when memory is short (bench/many.sh, over).
TEST(PageResidency, FaultInReadsTheTilesPagesOnly) {
  auto path =
      std::filesystem::temp_directory_path() / ("page_residency_ra_test_" + std::to_string(::getpid()));
  long const page = ::sysconf(_SC_PAGESIZE);
  std::size_t const pages = 1024;  // 4 MiB: room for any window of a few hundred kB either side
  std::string const data(pages * static_cast<std::size_t>(page), 'x');
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ASSERT_EQ(::fsync(fd), 0);
  ASSERT_EQ(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
  void* map = ::mmap(nullptr, data.size(), PROT_READ, MAP_SHARED, fd, 0);
  ASSERT_NE(map, MAP_FAILED);
  std::span<char const> const file(static_cast<char const*>(map), data.size());
  auto count_resident = [&] {
    std::size_t n = 0;
    for (std::size_t i = 0; i < pages; ++i)
      n += resident(file.subspan(i * static_cast<std::size_t>(page), static_cast<std::size_t>(page)));
    return n;
  };
  bool const dropped = count_resident() == 0;
  // A tile of 5 pages and a bit (6 pages touched) in the middle of the file.
  auto tile =
      file.subspan(pages / 2 * static_cast<std::size_t>(page) + 100, 5 * static_cast<std::size_t>(page));
  fault_in(tile);
  EXPECT_TRUE(resident(tile));
  std::size_t const read = count_resident();
  ::munmap(map, data.size());
  ::close(fd);
  std::filesystem::remove(path);
  if (!dropped) GTEST_SKIP() << "this filesystem kept the pages after POSIX_FADV_DONTNEED";
  // 6 pages (16 at most where the filesystem's smallest page-cache unit is larger); without the advice,
  // the window: 32 pages at the default 128 kB, the whole file at 8 MiB.
  EXPECT_LE(read, 16u) << "pages of the file read in for a tile of 6 pages";
}

TEST(PageResidency, EmptyAndAnonymousMemoryAreResident) {
  EXPECT_TRUE(resident({}));
  std::string touched(10000, 'y');
  EXPECT_TRUE(resident(std::span<char const>(touched.data(), touched.size())));
}

}  // namespace
}  // namespace astropixel::tiles
