// The tile directory over a scratch SQLite file and blob directory, with a clock the test moves: it
// keeps the least recently used datasets within its size, a reload evicts nobody, and an expired
// entry is looked up once while the requests arriving meanwhile keep the stale one (bounded).
#include "tiles/tile_directory.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "datasets/dataset_store.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "storage/fs/fs_blob_store.hpp"

namespace astropixel::tiles {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class TileDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_);
    auto pool = db::make_pool("sqlite:" + (dir_ / "db.sqlite").string(), {});
    ASSERT_TRUE(pool) << pool.error().message;
    pool_ = std::move(*pool);
    ASSERT_TRUE(db::migrate(*pool_));
    auto store = storage::FsBlobStore::open(dir_ / "blobs");
    ASSERT_TRUE(store) << store.error().message;
    blobs_ = std::move(*store);
    // One small pack, published under every dataset's key.
    pyramid::PackWriter w(dir_ / "one.pack");
    ASSERT_TRUE(w.begin({.width = 256, .height = 256, .tile_size = 256, .format = "jpg", .metadata_json = ""})
                    .has_value());
    ASSERT_TRUE(w.put(8, 0, 0, std::vector<unsigned char>{1, 2, 3}).has_value());
    ASSERT_TRUE(w.commit().has_value());
    std::ifstream in(dir_ / "one.pack", std::ios::binary);
    pack_.assign(std::istreambuf_iterator<char>(in), {});
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void add(std::string const& id, auth::Visibility visibility = auth::Visibility::private_) {
    auto conn = pool_->acquire();
    ASSERT_TRUE(conn);
    datasets::Dataset d;
    d.id = id;
    d.name = id;
    d.visibility = visibility;
    d.next_version = 1;
    auto inserted = datasets::store::insert(**conn, d);
    ASSERT_TRUE(inserted.has_value()) << inserted.error().message << " " << inserted.error().detail;
    auto key = "pyramids/" + id + "/1.pack";
    ASSERT_TRUE(storage::put_bytes(*blobs_, key, pack_).has_value());
    ASSERT_TRUE(datasets::store::publish(**conn, id, 1, key, "{}").has_value());
  }
  void set_visibility(std::string const& id, char const* visibility) {
    auto conn = pool_->acquire();
    ASSERT_TRUE(conn);
    ASSERT_TRUE(
        (*conn)->query("UPDATE datasets SET visibility = $1 WHERE id = $2", {std::string(visibility), id}));
  }
  TileDirectory make(std::size_t max_entries, std::chrono::milliseconds ttl = 1000ms) {
    return TileDirectory(*pool_, *blobs_, ttl, max_entries, nullptr, [this] { return now_; });
  }

  fs::path dir_ = fs::temp_directory_path() / ("tile_directory_test_" + std::to_string(::getpid()));
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<storage::FsBlobStore> blobs_;
  std::vector<char> pack_;
  std::chrono::steady_clock::time_point now_{};
};

// This instance makes a dataset private while a load has read it as public: the load's answer goes
// to its own (earlier) request only, and is not kept for the next ones. The clock, read by the load
// between its database query and keeping the entry, is where the change is made.
TEST_F(TileDirectoryTest, ALoadRacingAChangeMadeHereKeepsNothing) {
  add("a", auth::Visibility::public_);
  TileDirectory* directory = nullptr;
  bool change = false;
  TileDirectory d(*pool_, *blobs_, 1000ms, 16, nullptr, [&] {
    if (change) {
      change = false;
      set_visibility("a", "private");
      directory->invalidate("a");
    }
    return now_;
  });
  directory = &d;
  change = true;
  auto raced = d.load("a");
  ASSERT_TRUE(raced);
  EXPECT_EQ((*raced)->owned.visibility, auth::Visibility::public_);
  EXPECT_EQ(d.peek("a"), nullptr);  // not kept: the next request reads the row again
  auto next = d.load("a");
  ASSERT_TRUE(next);
  EXPECT_EQ((*next)->owned.visibility, auth::Visibility::private_);
  EXPECT_EQ(d.peek("a"), *next);
}

TEST_F(TileDirectoryTest, KeepsTheMostRecentlyUsedWithinItsSize) {
  for (auto id : {"a", "b", "c"}) add(id);
  auto dir = make(2);
  ASSERT_TRUE(dir.load("a"));
  ASSERT_TRUE(dir.load("b"));
  ASSERT_NE(dir.peek("a"), nullptr);  // a used after b: b is the least recent
  ASSERT_TRUE(dir.load("c"));
  EXPECT_NE(dir.peek("a"), nullptr);
  EXPECT_EQ(dir.peek("b"), nullptr);
  EXPECT_NE(dir.peek("c"), nullptr);
  auto s = dir.stats();
  EXPECT_EQ(s.entries, 2u);
  EXPECT_EQ(s.evictions, 1u);
  EXPECT_EQ(s.loads, 3u);
  EXPECT_EQ(s.pack_opens, 3u);
}

TEST_F(TileDirectoryTest, AReloadEvictsNothingAndKeepsThePack) {
  add("a");
  add("b");
  auto dir = make(2);
  ASSERT_TRUE(dir.load("a"));
  ASSERT_TRUE(dir.load("b"));
  // Full: reloading either one (what every TTL expiry does) must not drop the other.
  ASSERT_TRUE(dir.load("a"));
  ASSERT_TRUE(dir.load("b"));
  EXPECT_NE(dir.peek("a"), nullptr);
  EXPECT_NE(dir.peek("b"), nullptr);
  auto s = dir.stats();
  EXPECT_EQ(s.evictions, 0u);
  EXPECT_EQ(s.loads, 4u);
  EXPECT_EQ(s.pack_opens, 2u);  // same version: the mapped pack is kept
}

TEST_F(TileDirectoryTest, AnExpiredEntryIsLookedUpOnceWhileOthersKeepTheStaleOne) {
  add("a");
  auto dir = make(8);
  auto first = dir.load("a");
  ASSERT_TRUE(first);
  now_ += 1500ms;                     // past the TTL
  EXPECT_EQ(dir.peek("a"), nullptr);  // this caller refreshes
  EXPECT_EQ(dir.peek("a"), *first);   // the others meanwhile: the stale entry, no query
  EXPECT_EQ(dir.peek("a"), *first);
  auto second = dir.load("a");
  ASSERT_TRUE(second);
  EXPECT_NE(*second, *first);
  EXPECT_EQ(dir.peek("a"), *second);
  EXPECT_EQ(dir.stats().loads, 2u);
}

TEST_F(TileDirectoryTest, AStaleEntryIsNotServedBeyondTwiceTheTtl) {
  add("a");
  auto dir = make(8);
  ASSERT_TRUE(dir.load("a"));
  now_ += 1500ms;
  EXPECT_EQ(dir.peek("a"), nullptr);  // a refresh starts and does not finish
  now_ += 1000ms;
  EXPECT_EQ(dir.peek("a"), nullptr);
  EXPECT_EQ(dir.peek("a"), nullptr);
}

TEST_F(TileDirectoryTest, AVisibilityChangeShowsAfterTheTtl) {
  add("a", auth::Visibility::public_);
  auto dir = make(8);
  ASSERT_TRUE(dir.load("a"));
  set_visibility("a", "private");
  EXPECT_EQ(dir.peek("a")->owned.visibility, auth::Visibility::public_);  // within the TTL
  now_ += 1001ms;
  ASSERT_EQ(dir.peek("a"), nullptr);
  auto fresh = dir.load("a");
  ASSERT_TRUE(fresh);
  EXPECT_EQ((*fresh)->owned.visibility, auth::Visibility::private_);
}

TEST_F(TileDirectoryTest, AFailedRefreshLetsTheNextCallerTryAgain) {
  add("a");
  auto dir = make(8);
  ASSERT_TRUE(dir.load("a"));
  {
    auto conn = pool_->acquire();
    ASSERT_TRUE(conn);
    ASSERT_TRUE((*conn)->query("DELETE FROM datasets WHERE id = $1", {std::string("a")}));
  }
  now_ += 1500ms;
  ASSERT_EQ(dir.peek("a"), nullptr);
  EXPECT_FALSE(dir.load("a"));  // gone: the entry is dropped, not served stale
  EXPECT_EQ(dir.peek("a"), nullptr);
  EXPECT_EQ(dir.stats().entries, 0u);
}

}  // namespace
}  // namespace astropixel::tiles
