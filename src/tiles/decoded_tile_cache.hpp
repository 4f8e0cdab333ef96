#pragma once
// Decoded pyramid tiles (pixels) kept in memory for the IIIF region renderer, up to a byte budget,
// dropped least recently used first. Random regions of one image overlap the same source tiles from
// request to request (every render of a coarse level reads from a few hundred tiles), and decoding
// the JPEG tiles was most of an uncached render's CPU (bench/README.md, IIIF). iipsrv keeps such a
// cache too.
//
// Keys name the pack (its dataset and version: a published version is never rewritten, so an entry
// never goes stale) and the tile; the cache knows nothing of access, callers decide who may see a
// dataset before they draw from it. Entries are shared: a render holding one keeps it after an
// eviction, so memory is the budget plus the tiles of the renders in flight.
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace astropixel::tiles {

// One whole tile, rows of width × bands bytes (1: grey, 3: RGB), as its JPEG decodes.
struct DecodedTile {
  std::vector<unsigned char> data;
  int width = 0, height = 0, bands = 0;
};

class DecodedTileCache {
 public:
  using Tile = std::shared_ptr<DecodedTile const>;

  struct Stats {
    std::uint64_t hits = 0;       // tiles a render found decoded
    std::uint64_t misses = 0;     // tiles a render had to decode
    std::uint64_t evictions = 0;  // entries dropped to stay within the budget
    std::size_t bytes = 0;        // held now (pixels and keys)
    std::size_t entries = 0;
    std::size_t max_bytes = 0;
  };

  // 0 keeps nothing (every look is a miss).
  explicit DecodedTileCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // The key of tile (level, col, row) of the pack named `pack` (a dataset and version).
  static std::string key_of(std::string_view pack, int level, std::uint32_t col, std::uint32_t row);

  // The tile when held (moved to the front), else nullptr (counted as a miss).
  Tile get(std::string const& key);

  // Keeps `tile` (one larger than the whole budget is not kept; one already held is left as is) and
  // drops least recently used entries until the budget holds.
  void put(std::string const& key, Tile tile);

  Stats stats() const;

 private:
  using Entry = std::pair<std::string, Tile>;
  std::size_t max_bytes_;
  mutable std::mutex mutex_;
  std::list<Entry> order_;                                                  // most recently used first
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // views of order_'s keys
  Stats stats_;
};

}  // namespace astropixel::tiles
