#pragma once
// Rendered live tiles (docs/adr/0024-data-pyramid-and-live-stretch.md), least recently used first
// out, bounded by the bytes they hold. Keys name the pyramid version and every setting, so an entry
// never goes stale: a new version is a new key, and old ones age out.
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace astropixel::api {

class LiveTileCache {
 public:
  explicit LiveTileCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  std::shared_ptr<std::string const> get(std::string const& key);
  // An entry larger than the whole budget is not kept.
  void put(std::string const& key, std::shared_ptr<std::string const> value);
  std::size_t bytes() const;
  std::size_t size() const;

 private:
  using Entry = std::pair<std::string, std::shared_ptr<std::string const>>;
  std::size_t const max_bytes_;
  mutable std::mutex mutex_;
  std::list<Entry> order_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> where_;
  std::size_t bytes_ = 0;
};

}  // namespace astropixel::api
