#include "api/live_tile_cache.hpp"

#include <gtest/gtest.h>

namespace astropixel::api {
namespace {

std::shared_ptr<std::string const> bytes(std::size_t n) {
  return std::make_shared<std::string const>(n, 'x');
}

TEST(LiveTileCache, StaysWithinItsBudgetDroppingTheLeastRecentlyUsed) {
  LiveTileCache cache(300);
  cache.put("a", bytes(99));  // 100 bytes with its key
  cache.put("b", bytes(99));
  cache.put("c", bytes(99));
  EXPECT_EQ(cache.bytes(), 300u);
  ASSERT_NE(cache.get("a"), nullptr);  // a is now the most recent: b goes first
  cache.put("d", bytes(99));
  EXPECT_EQ(cache.bytes(), 300u);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.get("b"), nullptr);
  EXPECT_NE(cache.get("a"), nullptr);
  EXPECT_NE(cache.get("c"), nullptr);
  EXPECT_NE(cache.get("d"), nullptr);
}

TEST(LiveTileCache, ReplacingAnEntryCountsItOnceAndOversizedEntriesAreNotKept) {
  LiveTileCache cache(300);
  cache.put("a", bytes(99));
  cache.put("a", bytes(49));
  EXPECT_EQ(cache.bytes(), 50u);
  EXPECT_EQ(cache.get("a")->size(), 49u);
  cache.put("big", bytes(400));
  EXPECT_EQ(cache.get("big"), nullptr);
  EXPECT_EQ(cache.bytes(), 50u);
}

}  // namespace
}  // namespace astropixel::api
