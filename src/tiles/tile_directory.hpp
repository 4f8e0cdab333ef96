#pragma once
// The read path's view of published pyramids: for a dataset id, who may see it, which pyramid
// version is live, and that pyramid's pack (mapped when local, read by range from an object store). Entries
// are cached for a short time (and dropped at once when this process changes a dataset) so a tile request
// needs no database round trip; another instance's change shows within twice the TTL (peek).
#include <boost/json/fwd.hpp>
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
  std::int64_t link_epoch = 0;                      // what its links for other viewers are signed over
  int version = 0;                                  // 0: nothing published yet
  std::shared_ptr<pyramid::PackReader const> pack;  // null when nothing is published
  // A newer version still building whose tiles can be seen (ADR 0034): its latest snapshot, the
  // tiles written so far. Null when none (or the store is not local).
  int building_version = 0;
  std::shared_ptr<pyramid::PackReader const> building;
  std::string building_key;  // which snapshot: its blob key and number
  int building_checkpoint = -1;
  std::chrono::steady_clock::time_point loaded;  // when the row was read
};

class TileDirectory {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  // What the directory did since it was made (for /metrics and the many-datasets bench).
  struct Stats {
    std::uint64_t loads = 0;       // database lookups
    std::uint64_t pack_opens = 0;  // packs opened (mapped, or their index read from the store)
    std::uint64_t evictions = 0;   // entries dropped to stay within max_entries
    std::size_t entries = 0;
  };

  // `remote_cache` keeps tiles of packs in an object store (local packs are mapped and need none).
  // At most `max_entries` datasets are kept, the least recently used dropped first. `now` is for tests.
  TileDirectory(db::Pool& pool, storage::BlobStore& blobs, std::chrono::milliseconds ttl,
                std::size_t max_entries = 4096, std::shared_ptr<pyramid::TileCache> remote_cache = nullptr,
                Clock now = {})
      : pool_(pool),
        blobs_(blobs),
        ttl_(ttl),
        max_entries_(std::max<std::size_t>(max_entries, 1)),
        remote_cache_(std::move(remote_cache)),
        now_(now ? std::move(now) : Clock([] { return std::chrono::steady_clock::now(); })) {}

  // A cached, fresh entry without blocking; nullptr when it must be loaded. When an entry's TTL has
  // passed, the first caller gets nullptr (and should load); while its load is in flight the others
  // get the stale entry, for at most another TTL, rather than all querying the database at once.
  std::shared_ptr<Published const> peek(std::string const& id);
  // Loads (blocking: database and file open). Errors: not_found (no such dataset, or nothing
  // published or viewable yet), unavailable.
  Result<std::shared_ptr<Published const>> load(std::string const& id);
  void invalidate(std::string const& id);
  // Where the pyramids (and the files published beside them, such as HiPS) are stored.
  storage::BlobStore& blobs() { return blobs_; }
  // The cache of remote packs' tiles; null when there is none.
  std::shared_ptr<pyramid::TileCache const> remote_cache() const { return remote_cache_; }
  Stats stats() const;

 private:
  Result<std::unique_ptr<pyramid::PackReader>> open_pack(std::string const& key);
  // The snapshot a building row names, reusing `cached`'s when it is the same one.
  void open_building(Published& entry, std::string const& building, Published const* cached);
  Result<std::unique_ptr<pyramid::PackReader>> open_local_snapshot(std::string const& key);
  Result<std::unique_ptr<pyramid::PackReader>> open_pieces(std::string const& key,
                                                           boost::json::value const& segments);
  Result<std::shared_ptr<Published const>> lookup(std::string const& id);
  struct Slot {
    std::shared_ptr<Published const> entry;
    std::chrono::steady_clock::time_point loaded;
    bool refreshing = false;                  // a caller is loading it again
    std::list<std::string>::iterator recent;  // its place in recent_
  };
  db::Pool& pool_;
  storage::BlobStore& blobs_;
  std::chrono::milliseconds ttl_;
  std::size_t max_entries_;
  std::shared_ptr<pyramid::TileCache> remote_cache_;
  Clock now_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Slot> slots_;
  std::list<std::string> recent_;  // most recently used first
  std::uint64_t generation_ = 0;   // invalidations so far: a load that saw one meanwhile keeps nothing
  std::atomic<std::uint64_t> loads_{0}, pack_opens_{0}, evictions_{0};
};

}  // namespace astropixel::tiles
