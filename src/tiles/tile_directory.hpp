#pragma once
// The read path's view of published pyramids: for a dataset id, who may see it, which pyramid
// version is live, and that pyramid's pack (mapped when local, read by range from an object store). Entries
// are cached for a short time (and dropped at once when this process changes a dataset) so a tile request
// needs no database round trip; another instance's change shows within the TTL.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "auth/policy.hpp"
#include "core/error.hpp"
#include "db/pool.hpp"
#include "pyramid/pack.hpp"
#include "storage/blob_store.hpp"

namespace astropixel::tiles {

struct Published {
  std::string dataset_id;
  auth::Owned owned;
  int version = 0;
  std::shared_ptr<pyramid::PackReader const> pack;
};

class TileDirectory {
 public:
  // `remote_cache` keeps tiles of packs in an object store (local packs are mapped and need none).
  TileDirectory(db::Pool& pool, storage::BlobStore& blobs, std::chrono::milliseconds ttl,
                std::size_t max_entries = 4096, std::shared_ptr<pyramid::TileCache> remote_cache = nullptr)
      : pool_(pool),
        blobs_(blobs),
        ttl_(ttl),
        max_entries_(max_entries),
        remote_cache_(std::move(remote_cache)) {}

  // A cached, fresh entry without blocking; nullptr when it must be loaded.
  std::shared_ptr<Published const> peek(std::string const& id) const;
  // Loads (blocking: database and file open). Errors: not_found (no such dataset, or nothing
  // published yet), unavailable.
  Result<std::shared_ptr<Published const>> load(std::string const& id);
  void invalidate(std::string const& id);
  // Where the pyramids (and the files published beside them, such as HiPS) are stored.
  storage::BlobStore& blobs() { return blobs_; }
  // The cache of remote packs' tiles; null when there is none.
  std::shared_ptr<pyramid::TileCache const> remote_cache() const { return remote_cache_; }

 private:
  Result<std::unique_ptr<pyramid::PackReader>> open_pack(std::string const& key);
  struct Slot {
    std::shared_ptr<Published const> entry;  // null: dataset without a pyramid
    std::chrono::steady_clock::time_point loaded;
  };
  db::Pool& pool_;
  storage::BlobStore& blobs_;
  std::chrono::milliseconds ttl_;
  std::size_t max_entries_;
  std::shared_ptr<pyramid::TileCache> remote_cache_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Slot> slots_;
};

}  // namespace astropixel::tiles
