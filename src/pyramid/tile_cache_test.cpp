#include "pyramid/tile_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "core/ids.hpp"
#include "pyramid/pack.hpp"

namespace astropixel::pyramid {
namespace {

TileCache::Bytes bytes(std::size_t n, unsigned char fill = 'x') {
  return std::make_shared<std::vector<unsigned char> const>(n, fill);
}

TEST(TileCache, HitsMissesAndTheSameBytes) {
  TileCache cache(1 << 20);
  EXPECT_EQ(cache.get("p", 8, 100), nullptr);
  auto b = bytes(100);
  cache.put("p", 8, b);
  EXPECT_EQ(cache.get("p", 8, 100), b) << "the same buffer, no copy";
  EXPECT_EQ(cache.get("p", 8, 99), nullptr) << "a size that does not match is a miss";
  EXPECT_EQ(cache.get("q", 8, 100), nullptr) << "another pack";
  EXPECT_EQ(cache.get("p", 9, 100), nullptr) << "another offset";
  EXPECT_EQ(cache.get("p", 108, 100, /*count_miss=*/false), nullptr);
  auto s = cache.stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 4u);
  EXPECT_EQ(s.entries, 1u);
  EXPECT_GT(s.bytes, 100u);
}

// Names that only differ where an offset could be read into them stay apart.
TEST(TileCache, KeysOfOnePackNeverMeetAnother) {
  TileCache cache(1 << 20);
  cache.put("pyramids/a/v1.pack", 8, bytes(10, 'a'));
  cache.put("pyramids/a/v2.pack", 8, bytes(10, 'b'));
  EXPECT_EQ(cache.get("pyramids/a/v1.pack", 8, 10)->front(), 'a');
  EXPECT_EQ(cache.get("pyramids/a/v2.pack", 8, 10)->front(), 'b');
}

TEST(TileCache, TheByteBoundHoldsAndTheLeastRecentlyUsedGoFirst) {
  // Each entry costs its 1000 bytes plus its key and bookkeeping (~140 bytes): three fit in 4000.
  TileCache cache(4000);
  cache.put("p", 1, bytes(1000));
  cache.put("p", 2, bytes(1000));
  cache.put("p", 3, bytes(1000));
  ASSERT_EQ(cache.stats().entries, 3u);
  ASSERT_NE(cache.get("p", 1, 1000), nullptr);  // 1 is now the most recent; 2 the least
  cache.put("p", 4, bytes(1000));
  EXPECT_EQ(cache.get("p", 2, 1000), nullptr) << "least recently used, evicted";
  EXPECT_NE(cache.get("p", 1, 1000), nullptr);
  EXPECT_NE(cache.get("p", 3, 1000), nullptr);
  EXPECT_NE(cache.get("p", 4, 1000), nullptr);
  auto s = cache.stats();
  EXPECT_LE(s.bytes, 4000u);
  EXPECT_EQ(s.entries, 3u);
  EXPECT_EQ(s.evictions, 1u);
}

TEST(TileCache, ARangeLargerThanTheBudgetIsNotKeptAndEvictsNothing) {
  TileCache cache(2000);
  cache.put("p", 1, bytes(500));
  cache.put("p", 2, bytes(5000));
  EXPECT_EQ(cache.get("p", 2, 5000), nullptr);
  EXPECT_NE(cache.get("p", 1, 500), nullptr);
  EXPECT_EQ(cache.stats().evictions, 0u);
  TileCache off(0);
  off.put("p", 1, bytes(1));
  EXPECT_EQ(off.stats().entries, 0u);
}

TEST(TileCache, AnEvictedRangeStaysValidForWhoeverHoldsIt) {
  TileCache cache(1500);
  cache.put("p", 1, bytes(1000, 'k'));
  auto held = cache.get("p", 1, 1000);
  cache.put("p", 2, bytes(1000));
  EXPECT_EQ(cache.get("p", 1, 1000), nullptr);
  EXPECT_EQ(held->size(), 1000u);
  EXPECT_EQ(held->back(), 'k');
}

// Many threads reading and filling one small cache: the bound holds throughout and every hit has
// the bytes that were put under its key (each range is filled with its offset's low byte).
TEST(TileCache, ConcurrentUseKeepsTheBoundAndTheContent) {
  constexpr std::size_t kBudget = 64 * 1024;
  TileCache cache(kBudget);
  std::atomic<bool> wrong{false}, over{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint64_t i = 0; i < 20000; ++i) {
        std::uint64_t offset = (i * 7 + static_cast<std::uint64_t>(t) * 13) % 200;
        std::size_t size = 500 + offset;
        if (auto hit = cache.get("pack", offset, size)) {
          if (hit->size() != size || hit->front() != static_cast<unsigned char>(offset)) wrong = true;
        } else {
          cache.put("pack", offset, bytes(size, static_cast<unsigned char>(offset)));
        }
        if (cache.stats().bytes > kBudget) over = true;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_FALSE(wrong);
  EXPECT_FALSE(over);
  auto s = cache.stats();
  EXPECT_EQ(s.hits + s.misses, 8u * 20000u);
  EXPECT_GT(s.hits, 0u);
  EXPECT_GT(s.evictions, 0u);
}

// A remote pack with a cache reads each tile from the store once; local packs and packs without a
// cache are unchanged.
TEST(TileCache, ARemotePackReadsEachRangeOnce) {
  auto path = std::filesystem::temp_directory_path() / ("cache-" + random_hex(6));
  {
    PackWriter w(path);
    ASSERT_TRUE(w.begin({600, 300, 256, "jpg", ""}));
    Geometry g(600, 300, 256);
    for (int l = 0; l <= g.max_level(); ++l)
      for (std::uint32_t r = 0; r < g.rows(l); ++r)
        for (std::uint32_t c = 0; c < g.cols(l); ++c) {
          std::string t = "tile " + std::to_string(l) + "/" + std::to_string(c) + "/" + std::to_string(r);
          ASSERT_TRUE(w.put(l, c, r, std::span(reinterpret_cast<unsigned char const*>(t.data()), t.size())));
        }
    ASSERT_TRUE(w.commit());
  }
  int reads = 0;
  auto ranged = [&](void* buf, std::size_t n, std::uint64_t off) {
    ++reads;
    std::ifstream f(path, std::ios::binary);
    f.seekg(static_cast<std::streamoff>(off));
    f.read(static_cast<char*>(buf), static_cast<std::streamsize>(n));
    return static_cast<std::size_t>(f.gcount()) == n;
  };
  auto cache = std::make_shared<TileCache>(1 << 20);
  auto remote = PackReader::open_remote(ranged, std::filesystem::file_size(path), cache, "v1.pack").value();
  auto const opened = reads;
  EXPECT_EQ(remote->cached_tile(10, 2, 1), nullptr) << "not read yet";
  auto first = remote->shared_tile(10, 2, 1).value();
  EXPECT_EQ(std::string(first->begin(), first->end()), "tile 10/2/1");
  EXPECT_EQ(reads, opened + 1);
  EXPECT_EQ(remote->cached_tile(10, 2, 1), first) << "the same buffer, without I/O";
  EXPECT_EQ(remote->shared_tile(10, 2, 1).value(), first);
  EXPECT_EQ(remote->tile(10, 2, 1).value(), *first) << "the copying read path uses the cache too";
  EXPECT_EQ(reads, opened + 1);
  EXPECT_EQ(remote->shared_tile(99, 0, 0).error().code, ErrorCode::not_found);
  EXPECT_EQ(remote->cached_tile(99, 0, 0), nullptr);
  auto s = cache->stats();
  EXPECT_EQ(s.misses, 1u) << "the non-blocking look does not count a miss";
  EXPECT_EQ(s.hits, 3u);

  // Another build of the same version is another object: it does not see this one's bytes.
  auto other =
      PackReader::open_remote(ranged, std::filesystem::file_size(path), cache, "v1-other.pack").value();
  EXPECT_EQ(other->cached_tile(10, 2, 1), nullptr);

  auto local = PackReader::open(path).value();
  EXPECT_EQ(local->cached_tile(10, 2, 1), nullptr);
  EXPECT_TRUE(local->shared_tile(10, 2, 1).has_error()) << "a mapped pack answers with tile_bytes()";
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace astropixel::pyramid
