#include "tiles/decoded_tile_cache.hpp"

#include <fmt/format.h>

namespace astropixel::tiles {

namespace {
// What an entry costs beside its pixels: its key, the list and index nodes and the vector.
constexpr std::size_t kEntryOverhead = 128;
std::size_t cost(std::string const& key, DecodedTileCache::Tile const& tile) {
  return tile->data.size() + key.size() + kEntryOverhead;
}
}  // namespace

std::string DecodedTileCache::key_of(std::string_view pack, int level, std::uint32_t col, std::uint32_t row) {
  // The pack's name is a dataset id and a version (no '/'), so the last three fields are the tile's.
  return fmt::format("{}/{}/{}/{}", pack, level, col, row);
}

DecodedTileCache::Tile DecodedTileCache::get(std::string const& key) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++stats_.misses;
    return nullptr;
  }
  ++stats_.hits;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->second;
}

void DecodedTileCache::put(std::string const& key, Tile tile) {
  auto size = cost(key, tile);
  std::lock_guard lock(mutex_);
  if (size > max_bytes_ || index_.contains(key)) return;
  order_.emplace_front(key, std::move(tile));
  index_.emplace(order_.front().first, order_.begin());
  stats_.bytes += size;
  while (stats_.bytes > max_bytes_) {
    auto& [k, v] = order_.back();
    stats_.bytes -= cost(k, v);
    index_.erase(k);
    order_.pop_back();
    ++stats_.evictions;
  }
}

DecodedTileCache::Stats DecodedTileCache::stats() const {
  std::lock_guard lock(mutex_);
  Stats s = stats_;
  s.entries = order_.size();
  s.max_bytes = max_bytes_;
  return s;
}

}  // namespace astropixel::tiles
