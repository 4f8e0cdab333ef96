#pragma once
// A bounded memory cache of byte ranges read from packs in an object store (tiles, data tiles,
// previews), dropped least recently used first. Without it every tile of a remote pack is one
// ranged GET, every time; a local pack needs none (the page cache holds its mapping).
//
// Entries are keyed by the pack's name (its object key, which names one build of one version:
// published packs are never rewritten) and the range's offset, so versions never mix and nothing is
// ever invalidated: old versions age out. The cache knows nothing of access: callers decide who may
// see a dataset before they ask for its bytes.
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace astropixel::pyramid {

class TileCache {
 public:
  // Shared so that an answer being written to a socket keeps its bytes after an eviction.
  using Bytes = std::shared_ptr<std::vector<unsigned char> const>;

  struct Stats {
    std::uint64_t hits = 0;       // ranges answered from memory
    std::uint64_t misses = 0;     // ranges that had to be read from the object store
    std::uint64_t evictions = 0;  // entries dropped to stay within the budget
    std::size_t bytes = 0;        // held now (ranges and keys)
    std::size_t entries = 0;
    std::size_t max_bytes = 0;
  };

  explicit TileCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // The range of `pack` at `offset` when held, of `size` bytes (a mismatch is a miss); nullptr
  // otherwise. A hit moves the entry to the front. `count_miss` false is for a look that will be
  // followed by a counted one (a non-blocking try before the read), so a miss is counted once.
  Bytes get(std::string_view pack, std::uint64_t offset, std::size_t size, bool count_miss = true);

  // Keeps `bytes` (a range larger than the whole budget is not kept; one already held is left as is)
  // and drops least recently used entries until the budget holds.
  void put(std::string_view pack, std::uint64_t offset, Bytes bytes);

  Stats stats() const;

 private:
  static std::string key_of(std::string_view pack, std::uint64_t offset);
  using Entry = std::pair<std::string, Bytes>;
  std::size_t max_bytes_;
  mutable std::mutex mutex_;
  std::list<Entry> order_;                                                  // most recently used first
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // views of order_'s keys
  Stats stats_;
};

}  // namespace astropixel::pyramid
