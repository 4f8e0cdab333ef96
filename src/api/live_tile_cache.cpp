#include "api/live_tile_cache.hpp"

namespace astropixel::api {

namespace {
std::size_t cost(std::string const& key, std::string const& value) {
  return key.size() + value.size();
}
}  // namespace

std::shared_ptr<std::string const> LiveTileCache::get(std::string const& key) {
  std::lock_guard lock(mutex_);
  auto it = where_.find(key);
  if (it == where_.end()) return nullptr;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->second;
}

void LiveTileCache::put(std::string const& key, std::shared_ptr<std::string const> value) {
  if (!value || cost(key, *value) > max_bytes_) return;
  std::lock_guard lock(mutex_);
  if (auto it = where_.find(key); it != where_.end()) {
    bytes_ -= cost(key, *it->second->second);
    order_.erase(it->second);
    where_.erase(it);
  }
  bytes_ += cost(key, *value);
  order_.emplace_front(key, std::move(value));
  where_[key] = order_.begin();
  while (bytes_ > max_bytes_) {
    auto& last = order_.back();
    bytes_ -= cost(last.first, *last.second);
    where_.erase(last.first);
    order_.pop_back();
  }
}

std::size_t LiveTileCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::size_t LiveTileCache::size() const {
  std::lock_guard lock(mutex_);
  return order_.size();
}

}  // namespace astropixel::api
