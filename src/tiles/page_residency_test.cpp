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

long const kPage = ::sysconf(_SC_PAGESIZE);

// A file of `pages` pages written, synced and dropped from the page cache, then mapped.
class ColdFile {
 public:
  explicit ColdFile(std::size_t pages)
      : path_(std::filesystem::temp_directory_path() /
              ("page_residency_test_" + std::to_string(::getpid()) + "_" + std::to_string(pages))),
        size_(pages * static_cast<std::size_t>(kPage)) {
    std::string const data(size_, 'x');
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0 || ::write(fd_, data.data(), data.size()) != static_cast<ssize_t>(data.size()) ||
        ::fsync(fd_) != 0 || ::posix_fadvise(fd_, 0, 0, POSIX_FADV_DONTNEED) != 0)
      return;
    void* map = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd_, 0);
    if (map != MAP_FAILED) map_ = static_cast<char const*>(map);
  }
  ~ColdFile() {
    if (map_) ::munmap(const_cast<char*>(map_), size_);
    if (fd_ >= 0) ::close(fd_);
    std::filesystem::remove(path_);
  }
  bool ok() const { return map_ != nullptr; }
  std::span<char const> bytes() const { return {map_, size_}; }
  std::span<char const> page(std::size_t i) const {
    return bytes().subspan(i * static_cast<std::size_t>(kPage), static_cast<std::size_t>(kPage));
  }

 private:
  std::filesystem::path path_;
  std::size_t size_;
  int fd_ = -1;
  char const* map_ = nullptr;
};

TEST(PageResidency, AnUnreadPageIsNotResidentUntilFaultedIn) {
  ColdFile file(4);
  ASSERT_TRUE(file.ok());
  // A span starting inside the second page and ending inside the third, like a tile.
  auto tile = file.bytes().subspan(static_cast<std::size_t>(kPage) + 100, static_cast<std::size_t>(kPage));
  bool dropped = !resident(tile);
  fault_in(tile);
  EXPECT_TRUE(resident(tile));
  EXPECT_EQ(tile[0], 'x');
  if (!dropped) GTEST_SKIP() << "this filesystem kept the pages after POSIX_FADV_DONTNEED";
}

// A cold tile costs its own pages, not the readahead window around them: a fault on a file mapping
// reads the whole window (read_ahead_kb, 128 kB by default), which for a 20 kB tile is mostly other
// tiles and evicts wanted ones when memory is short (bench/many.sh, over).
TEST(PageResidency, FaultInReadsTheTilesPagesOnly) {
  std::size_t const pages = 1024;  // 4 MiB: room for any window of a few hundred kB either side
  ColdFile file(pages);
  ASSERT_TRUE(file.ok());
  auto count_resident = [&] {
    std::size_t n = 0;
    for (std::size_t i = 0; i < pages; ++i) n += resident(file.page(i));
    return n;
  };
  bool const dropped = count_resident() == 0;
  // A tile of 5 pages and a bit (6 pages touched) in the middle of the file.
  auto tile = file.bytes().subspan(pages / 2 * static_cast<std::size_t>(kPage) + 100,
                                   5 * static_cast<std::size_t>(kPage));
  fault_in(tile);
  EXPECT_TRUE(resident(tile));
  std::size_t const read = count_resident();
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
