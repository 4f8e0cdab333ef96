#include "tiles/tile_directory.hpp"

#include "datasets/dataset_store.hpp"

namespace astropixel::tiles {

// A local pack is mapped; a pack in an object store is read with ranged GETs (its index once, then
// one GET per tile, unless the remote cache holds it).
Result<std::unique_ptr<pyramid::PackReader>> TileDirectory::open_pack(std::string const& key) {
  if (auto path = blobs_.local_path(key)) return pyramid::PackReader::open(*path);
  auto info = blobs_.stat(key);
  if (!info) return info.error();
  auto* blobs = &blobs_;
  auto read = [blobs, key](void* buf, std::size_t n, std::uint64_t offset) {
    auto* out = static_cast<char*>(buf);
    while (n > 0) {
      auto got = blobs->read(key, offset, std::span<char>(out, n));
      if (!got || *got == 0) return false;
      out += *got;
      offset += *got;
      n -= *got;
    }
    return true;
  };
  return pyramid::PackReader::open_remote(read, info->size, remote_cache_, key);
}

std::shared_ptr<Published const> TileDirectory::peek(std::string const& id) const {
  std::lock_guard lock(mutex_);
  auto it = slots_.find(id);
  if (it == slots_.end() || !it->second.entry) return nullptr;
  if (std::chrono::steady_clock::now() - it->second.loaded > ttl_) return nullptr;
  return it->second.entry;
}

Result<std::shared_ptr<Published const>> TileDirectory::load(std::string const& id) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto row = datasets::store::published_pyramid(**conn, id);
  if (!row && row.error().code != ErrorCode::not_found) return row.error();
  if (!row || row->version == 0) {
    invalidate(id);
    return make_error(ErrorCode::not_found, !row ? "Dataset not found" : "The dataset has no tiles yet");
  }
  auto now = std::chrono::steady_clock::now();
  auto entry = std::make_shared<Published>();
  entry->dataset_id = id;
  entry->owned = row->owned;
  entry->version = row->version;
  auto const& key = row->key;
  {
    // Same version as cached: keep the open pack.
    std::lock_guard lock(mutex_);
    auto it = slots_.find(id);
    if (it != slots_.end() && it->second.entry && it->second.entry->version == entry->version) {
      entry->pack = it->second.entry->pack;
    }
  }
  if (!entry->pack) {
    auto pack = open_pack(key);
    if (!pack) {
      // Published a moment ago and replaced since: the caller may retry with a fresh row.
      return pack.error().code == ErrorCode::not_found
                 ? make_error(ErrorCode::unavailable, "The pyramid is being replaced", "retry")
                 : pack.error();
    }
    entry->pack = std::shared_ptr<pyramid::PackReader const>(std::move(*pack));
  }
  std::lock_guard lock(mutex_);
  if (slots_.size() >= max_entries_) slots_.erase(slots_.begin());
  slots_[id] = {entry, now};
  return std::shared_ptr<Published const>(entry);
}

void TileDirectory::invalidate(std::string const& id) {
  std::lock_guard lock(mutex_);
  slots_.erase(id);
}

}  // namespace astropixel::tiles
