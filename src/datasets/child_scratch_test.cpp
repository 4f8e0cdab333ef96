#include "datasets/child_scratch.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace astropixel::datasets {
namespace {

namespace fs = std::filesystem;

std::string temp_parent() {
  std::string dir = (fs::temp_directory_path() / "child-scratch-test-XXXXXX").string();
  EXPECT_NE(::mkdtemp(dir.data()), nullptr);
  return dir;
}

TEST(ChildScratch, IsRemovedWithItsContentWhenDone) {
  auto parent = temp_parent();
  std::string path;
  {
    auto s = ChildScratch::make(parent);
    ASSERT_TRUE(s.has_value()) << s.error().detail;
    path = s->path();
    EXPECT_TRUE(fs::path(path).filename().string().starts_with(".child-"));
    std::ofstream(path + "/half-inflated.fits") << "SIMPLE  =";
  }
  EXPECT_FALSE(fs::exists(path));
  fs::remove_all(parent);
}

// What a kill -9 leaves: a directory nobody holds. A live one (this process's, or another
// instance's on the same data directory) is locked and kept.
TEST(ChildScratch, TheSweepRemovesOnlyUnlockedDirectoriesOncePerParent) {
  auto parent = temp_parent();
  fs::create_directories(parent + "/.child-dead01/sub");
  std::ofstream(parent + "/.child-dead01/sub/x.fits") << "data";
  fs::create_directories(parent + "/not-ours");
  auto live = ChildScratch::make(parent);
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(sweep_stale_child_scratch(parent), 1);
  EXPECT_FALSE(fs::exists(parent + "/.child-dead01"));
  EXPECT_TRUE(fs::exists(live->path()));
  EXPECT_TRUE(fs::exists(parent + "/not-ours"));
  fs::create_directories(parent + "/.child-dead02");
  EXPECT_EQ(sweep_stale_child_scratch(parent), 0) << "once per parent per process";
  fs::remove_all(parent);
}

}  // namespace
}  // namespace astropixel::datasets
