#include "datasets/build_leftovers.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "storage/fs/fs_blob_store.hpp"

namespace astropixel::datasets {
namespace {

namespace fs = std::filesystem;

TEST(BuildLeftovers, NamesOnlyWhatAnAttemptOfThatVersionWrites) {
  for (auto name : {"v3-0123abcd.pack", "v3-0123abcd.pack.tmp-0123456789ab", "v3-0123abcd.pack.live",
                    "v3-0123abcd.pack.live.tmp", "v3-0123abcd.pack.seg0", "v3-0123abcd.pack.snap12"})
    EXPECT_TRUE(is_build_leftover(name, build_blob_stem(3))) << name;
  EXPECT_TRUE(is_build_leftover("abc-v3-0123abcd.source", build_scratch_stem("abc", 3)));
  EXPECT_TRUE(is_build_leftover("abc-v3-0123abcd.pack.tmp-0123456789ab", build_scratch_stem("abc", 3)));
  for (auto name : {"v31-0123abcd.pack", "v2-0123abcd.pack.live", "v3-0123abcD.pack", "v3-0123abc.pack",
                    "v3-0123abcd.pack.tmp-0123456789a", "v3-0123abcd.pack.tmp-0123456789abc",
                    "v3-0123abcd.pack.seg", "v3-0123abcd.pack.seg1x", "v3-0123abcd.pack.live.tmp2",
                    ".v3-0123abcd.pack.seg0.0a1b2c.tmp", "v3-0123abcd.packs", "v3-0123abcd.json"})
    EXPECT_FALSE(is_build_leftover(name, build_blob_stem(3))) << name;
  EXPECT_FALSE(is_build_leftover("abd-v3-0123abcd.source", build_scratch_stem("abc", 3)));
  EXPECT_FALSE(is_build_leftover("v3-0123abcd.pack", ""));
}

// A blob store and a scratch directory in a fresh temporary directory; dataset "abc"'s pyramids.
class Leftovers : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = (fs::temp_directory_path() / "build-leftovers-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(dir.data()), nullptr);
    auto opened = storage::FsBlobStore::open(fs::path(dir) / "blobs");
    ASSERT_TRUE(opened.has_value());
    blobs = std::move(*opened);
    pyramids = fs::path(dir) / "blobs" / "pyramids" / "abc";
    scratch = fs::path(dir) / "tmp";
    fs::create_directories(pyramids);
    fs::create_directories(scratch);
  }
  void TearDown() override { fs::remove_all(dir); }
  static void touch(fs::path const& p) { std::ofstream(p) << "x"; }

  std::string dir;
  std::unique_ptr<storage::FsBlobStore> blobs;
  fs::path pyramids, scratch;
};

TEST_F(Leftovers, RemovesThatVersionsFilesAndNoLinksTarget) {
  touch(pyramids / "v3-0123abcd.pack");  // published: kept
  touch(pyramids / "v3-11111111.pack.tmp-0123456789ab");
  touch(pyramids / "v3-11111111.pack.live");
  touch(pyramids / "v4-22222222.pack.tmp-0123456789ab");  // a newer version's build: kept
  touch(scratch / "abc-v3-11111111.source");
  touch(scratch / "abd-v3-11111111.source");  // another dataset's: kept
  auto secret = fs::path(dir) / "secret";
  touch(secret);
  fs::create_symlink(secret, scratch / "abc-v3-33333333.pack");
  fs::create_directory(scratch / "abc-v3-44444444.pack.live");  // a directory: not entered or removed

  EXPECT_EQ(remove_build_leftovers(*blobs, scratch, "abc", 3, "pyramids/abc/v3-0123abcd.pack"), 4);
  EXPECT_TRUE(fs::exists(pyramids / "v3-0123abcd.pack"));
  EXPECT_FALSE(fs::exists(pyramids / "v3-11111111.pack.tmp-0123456789ab"));
  EXPECT_FALSE(fs::exists(pyramids / "v3-11111111.pack.live"));
  EXPECT_TRUE(fs::exists(pyramids / "v4-22222222.pack.tmp-0123456789ab"));
  EXPECT_FALSE(fs::exists(scratch / "abc-v3-11111111.source"));
  EXPECT_TRUE(fs::exists(scratch / "abd-v3-11111111.source"));
  EXPECT_FALSE(fs::is_symlink(scratch / "abc-v3-33333333.pack"));
  EXPECT_TRUE(fs::exists(secret));  // the link went, not what it pointed at
  EXPECT_TRUE(fs::is_directory(scratch / "abc-v3-44444444.pack.live"));
}

TEST_F(Leftovers, AnAttemptRemovesOnlyItsOwn) {
  touch(pyramids / "v3-11111111.pack.tmp-0123456789ab");  // the attempt that ended
  touch(scratch / "abc-v3-11111111.source");
  touch(pyramids / "v3-22222222.pack.tmp-0123456789ab");  // the one that took the job over
  touch(pyramids / "v3-22222222.pack.live");
  touch(scratch / "abc-v3-22222222.pack");

  EXPECT_EQ(remove_build_leftovers(*blobs, scratch, "abc", 3, "", "11111111"), 2);
  EXPECT_FALSE(fs::exists(pyramids / "v3-11111111.pack.tmp-0123456789ab"));
  EXPECT_FALSE(fs::exists(scratch / "abc-v3-11111111.source"));
  EXPECT_TRUE(fs::exists(pyramids / "v3-22222222.pack.tmp-0123456789ab"));
  EXPECT_TRUE(fs::exists(pyramids / "v3-22222222.pack.live"));
  EXPECT_TRUE(fs::exists(scratch / "abc-v3-22222222.pack"));
}

}  // namespace
}  // namespace astropixel::datasets
