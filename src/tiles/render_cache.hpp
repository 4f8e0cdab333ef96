#pragma once
// IIIF answers drawn by the region renderer, kept in memory up to a byte budget and dropped least
// recently used first. Keys name the dataset, its pyramid version and the canonical request, so an
// entry never goes stale: a new version is a new key, and the old ones age out.
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "tiles/region_renderer.hpp"

namespace astropixel::tiles {

class RenderCache {
 public:
  explicit RenderCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  std::shared_ptr<Rendered const> get(std::string const& key) {
    std::lock_guard lock(mutex_);
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
  }

  // An answer larger than the whole budget is not kept.
  void put(std::string const& key, std::shared_ptr<Rendered const> value) {
    auto size = value->bytes.size() + key.size();
    std::lock_guard lock(mutex_);
    if (size > max_bytes_ || index_.contains(key)) return;
    order_.emplace_front(key, std::move(value));
    index_[key] = order_.begin();
    bytes_ += size;
    while (bytes_ > max_bytes_) {
      auto& [k, v] = order_.back();
      bytes_ -= v->bytes.size() + k.size();
      index_.erase(k);
      order_.pop_back();
    }
  }

  std::size_t bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
  }

 private:
  using Entry = std::pair<std::string, std::shared_ptr<Rendered const>>;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  mutable std::mutex mutex_;
  std::list<Entry> order_;
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace astropixel::tiles
