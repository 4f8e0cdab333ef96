#include "tiles/decoded_tile_cache.hpp"

#include <gtest/gtest.h>

namespace astropixel::tiles {
namespace {

DecodedTileCache::Tile tile(int side, unsigned char value) {
  auto t = std::make_shared<DecodedTile>();
  t->width = t->height = side, t->bands = 3;
  t->data.assign(static_cast<std::size_t>(side) * side * 3, value);
  return t;
}

TEST(DecodedTileCache, KeysNameThePackAndTheTile) {
  EXPECT_EQ(DecodedTileCache::key_of("abc.2", 5, 1, 3), "abc.2/5/1/3");
  EXPECT_NE(DecodedTileCache::key_of("abc.2", 5, 1, 3), DecodedTileCache::key_of("abc.3", 5, 1, 3));
  EXPECT_NE(DecodedTileCache::key_of("abc.2", 5, 13, 1), DecodedTileCache::key_of("abc.2", 5, 1, 31));
}

TEST(DecodedTileCache, CountsHitsAndMissesAndDropsTheLeastRecentlyUsed) {
  // Room for two 64² RGB tiles (12 KiB each and a little for the key and the entry), not three.
  DecodedTileCache cache(2 * (64 * 64 * 3 + 300));
  EXPECT_EQ(cache.get("a"), nullptr);
  cache.put("a", tile(64, 1));
  cache.put("b", tile(64, 2));
  ASSERT_NE(cache.get("a"), nullptr);  // now the most recent: b goes first
  EXPECT_EQ(cache.get("a")->data[0], 1);
  cache.put("c", tile(64, 3));
  EXPECT_EQ(cache.get("b"), nullptr);
  EXPECT_NE(cache.get("a"), nullptr);
  EXPECT_NE(cache.get("c"), nullptr);
  auto s = cache.stats();
  EXPECT_EQ(s.hits, 4u);
  EXPECT_EQ(s.misses, 2u);
  EXPECT_EQ(s.evictions, 1u);
  EXPECT_EQ(s.entries, 2u);
  EXPECT_LE(s.bytes, s.max_bytes);
  EXPECT_GT(s.bytes, 2u * 64 * 64 * 3);
}

TEST(DecodedTileCache, KeepsNothingLargerThanItsBudgetAndHeldTilesOutliveEviction) {
  DecodedTileCache cache(64 * 64 * 3 + 300);
  cache.put("big", tile(128, 1));
  EXPECT_EQ(cache.get("big"), nullptr);
  EXPECT_EQ(cache.stats().entries, 0u);
  cache.put("a", tile(64, 7));
  auto held = cache.get("a");
  cache.put("b", tile(64, 8));  // evicts a, which a render may still be reading
  EXPECT_EQ(cache.get("a"), nullptr);
  EXPECT_EQ(held->data.back(), 7);
  DecodedTileCache none(0);
  none.put("a", tile(1, 1));
  EXPECT_EQ(none.get("a"), nullptr);
}

}  // namespace
}  // namespace astropixel::tiles
