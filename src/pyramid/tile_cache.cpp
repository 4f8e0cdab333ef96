#include "pyramid/tile_cache.hpp"

#include <cstring>

namespace astropixel::pyramid {

namespace {
// What an entry costs beside its bytes: its key twice (list and index), the nodes and the vector.
constexpr std::size_t kEntryOverhead = 128;
std::size_t cost(std::string const& key, TileCache::Bytes const& bytes) {
  return bytes->size() + key.size() + kEntryOverhead;
}
}  // namespace

std::string TileCache::key_of(std::string_view pack, std::uint64_t offset) {
  // The offset's 8 bytes after the name: no separator can be confused with a name's characters.
  std::string key(pack);
  char raw[sizeof offset];
  std::memcpy(raw, &offset, sizeof offset);
  key.append(raw, sizeof raw);
  return key;
}

TileCache::Bytes TileCache::get(std::string_view pack, std::uint64_t offset, std::size_t size,
                                bool count_miss) {
  auto key = key_of(pack, offset);
  std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end() || it->second->second->size() != size) {
    if (count_miss) ++stats_.misses;
    return nullptr;
  }
  ++stats_.hits;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->second;
}

void TileCache::put(std::string_view pack, std::uint64_t offset, Bytes bytes) {
  auto key = key_of(pack, offset);
  auto size = cost(key, bytes);
  std::lock_guard lock(mutex_);
  if (size > max_bytes_ || index_.contains(key)) return;
  order_.emplace_front(std::move(key), std::move(bytes));
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

TileCache::Stats TileCache::stats() const {
  std::lock_guard lock(mutex_);
  Stats s = stats_;
  s.entries = order_.size();
  s.max_bytes = max_bytes_;
  return s;
}

}  // namespace astropixel::pyramid
