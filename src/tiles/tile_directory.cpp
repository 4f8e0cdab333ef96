#include "tiles/tile_directory.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "datasets/dataset_store.hpp"
#include "datasets/snapshot_upload.hpp"

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

void TileDirectory::open_building(Published& entry, std::string const& building, Published const* cached) {
  boost::system::error_code ec;
  auto v = boost::json::parse(building, ec);
  auto const* o = !ec ? v.if_object() : nullptr;
  auto const* version = o ? o->if_contains("version") : nullptr;
  auto const* key = o ? o->if_contains("key") : nullptr;
  auto const* number = o ? o->if_contains("checkpoint") : nullptr;
  if (!version || !version->is_int64() || !key || !key->is_string() || !number || !number->is_int64()) return;
  // Older than what is published: a build that lost to a newer one. Nothing to show.
  if (version->as_int64() <= entry.version) return;
  entry.building_version = static_cast<int>(version->as_int64());
  entry.building_key = std::string(key->as_string());
  entry.building_checkpoint = static_cast<int>(number->as_int64());
  if (cached && cached->building && cached->building_key == entry.building_key &&
      cached->building_checkpoint == entry.building_checkpoint) {
    entry.building = cached->building;
    return;
  }
  pack_opens_.fetch_add(1, std::memory_order_relaxed);
  auto const* segments = o->if_contains("segments");
  auto pack = segments ? open_pieces(entry.building_key, *segments) : open_local_snapshot(entry.building_key);
  // The build ended between the row and the file (its snapshot removed): show nothing of it; the
  // next load reads the row it left.
  if (!pack) return;
  entry.building = std::shared_ptr<pyramid::PackReader const>(std::move(*pack));
}

Result<std::unique_ptr<pyramid::PackReader>> TileDirectory::open_local_snapshot(std::string const& key) {
  auto path = blobs_.local_path(key);
  if (!path) return make_error(ErrorCode::not_found, "Not a local store");
  return pyramid::PackReader::open_live(*path);
}

// A pack in an object store piece by piece (datasets/snapshot_upload.hpp): piece n holds the pack's
// bytes from the end of piece n - 1 to ends[n], and snapshot n indexes them all.
Result<std::unique_ptr<pyramid::PackReader>> TileDirectory::open_pieces(std::string const& key,
                                                                        boost::json::value const& segments) {
  auto const* list = segments.if_array();
  if (!list || list->empty() || list->size() > 100'000)
    return make_error(ErrorCode::unprocessable, "Bad pieces");
  std::vector<std::uint64_t> ends;
  for (auto const& e : *list) {
    if (!e.is_number()) return make_error(ErrorCode::unprocessable, "Bad pieces");
    auto end = e.to_number<std::uint64_t>();
    if (!ends.empty() && end <= ends.back()) return make_error(ErrorCode::unprocessable, "Bad pieces");
    ends.push_back(end);
  }
  auto snapshot_key = datasets::snapshot_key(key, ends.size() - 1);
  auto info = blobs_.stat(snapshot_key);
  if (!info) return info.error();
  if (info->size > (1u << 30)) return make_error(ErrorCode::unprocessable, "Snapshot too large");
  std::string snapshot(info->size, '\0');
  for (std::size_t done = 0; done < snapshot.size();) {
    auto got =
        blobs_.read(snapshot_key, done, std::span<char>(snapshot.data() + done, snapshot.size() - done));
    if (!got) return got.error();
    if (*got == 0) return make_error(ErrorCode::unavailable, "A snapshot ended early");
    done += *got;
  }
  auto* blobs = &blobs_;
  // A tile lies within one piece: pieces end between tiles.
  auto read = [blobs, key, ends = std::move(ends)](void* buf, std::size_t n, std::uint64_t offset) {
    auto piece = static_cast<std::size_t>(std::upper_bound(ends.begin(), ends.end(), offset) - ends.begin());
    if (piece >= ends.size() || n > ends[piece] - offset) return false;
    std::uint64_t const start = piece ? ends[piece - 1] : 0;
    auto const piece_key = datasets::snapshot_piece_key(key, piece);
    auto* out = static_cast<char*>(buf);
    for (std::uint64_t at = offset - start; n > 0;) {
      auto got = blobs->read(piece_key, at, std::span<char>(out, n));
      if (!got || *got == 0) return false;
      out += *got;
      at += *got;
      n -= *got;
    }
    return true;
  };
  auto const available = list->back().to_number<std::uint64_t>();
  // The cache's name: these bytes of this build attempt never change.
  return pyramid::PackReader::open_live_remote(snapshot, std::move(read), available, remote_cache_,
                                               key + ".building");
}

std::shared_ptr<Published const> TileDirectory::peek(std::string const& id) {
  std::lock_guard lock(mutex_);
  auto it = slots_.find(id);
  if (it == slots_.end()) return nullptr;
  auto& slot = it->second;
  recent_.splice(recent_.begin(), recent_, slot.recent);
  auto age = now_() - slot.loaded;
  if (age <= ttl_) return slot.entry;
  // Expired. One caller refreshes; the requests arriving meanwhile (many per dataset and second
  // under load) keep the entry they had instead of each asking the database. Bounded: a refresh that
  // takes longer than another TTL (a stuck database) stops serving the stale entry.
  if (!slot.refreshing) {
    slot.refreshing = true;
    return nullptr;
  }
  return age <= 2 * ttl_ ? slot.entry : nullptr;
}

Result<std::shared_ptr<Published const>> TileDirectory::load(std::string const& id) {
  auto loaded = lookup(id);
  if (!loaded) {
    // The stale entry stays (or was dropped by invalidate): let the next caller try again.
    std::lock_guard lock(mutex_);
    if (auto it = slots_.find(id); it != slots_.end()) it->second.refreshing = false;
  }
  return loaded;
}

Result<std::shared_ptr<Published const>> TileDirectory::lookup(std::string const& id) {
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    generation = generation_;
  }
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  loads_.fetch_add(1, std::memory_order_relaxed);
  auto row = datasets::store::published_pyramid(**conn, id);
  if (!row && row.error().code != ErrorCode::not_found) return row.error();
  if (!row || (row->version == 0 && row->building.empty())) {
    invalidate(id);
    return make_error(ErrorCode::not_found, !row ? "Dataset not found" : "The dataset has no tiles yet");
  }
  auto now = now_();
  auto entry = std::make_shared<Published>();
  entry->dataset_id = id;
  entry->owned = row->owned;
  entry->link_epoch = row->link_epoch;
  entry->version = row->version;
  entry->loaded = now;
  auto const& key = row->key;
  std::shared_ptr<Published const> cached;
  {
    // Same version as cached: keep the open pack.
    std::lock_guard lock(mutex_);
    auto it = slots_.find(id);
    if (it != slots_.end()) cached = it->second.entry;
    if (cached && cached->version == entry->version) entry->pack = cached->pack;
  }
  if (!row->building.empty()) open_building(*entry, row->building, cached.get());
  if (entry->version == 0 && !entry->building)
    return make_error(ErrorCode::not_found, "The dataset has no tiles yet");
  if (!entry->pack && entry->version > 0) {
    pack_opens_.fetch_add(1, std::memory_order_relaxed);
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
  // This process changed some dataset while the row was read: the row may be from before the change
  // (a dataset just made private read as public). This caller, whose request came first, gets it;
  // it is not kept, so the next request reads the row again.
  if (generation != generation_) return std::shared_ptr<Published const>(entry);
  if (auto it = slots_.find(id); it != slots_.end()) {
    // A reload replaces its own slot and evicts nothing.
    it->second.entry = entry;
    it->second.loaded = now;
    it->second.refreshing = false;
    recent_.splice(recent_.begin(), recent_, it->second.recent);
  } else {
    if (slots_.size() >= max_entries_) {
      // The least recently used goes; responses still holding it keep its pack mapped until sent.
      slots_.erase(recent_.back());
      recent_.pop_back();
      evictions_.fetch_add(1, std::memory_order_relaxed);
    }
    recent_.push_front(id);
    slots_.emplace(id, Slot{entry, now, false, recent_.begin()});
  }
  return std::shared_ptr<Published const>(entry);
}

void TileDirectory::invalidate(std::string const& id) {
  std::lock_guard lock(mutex_);
  ++generation_;
  auto it = slots_.find(id);
  if (it == slots_.end()) return;
  recent_.erase(it->second.recent);
  slots_.erase(it);
}

TileDirectory::Stats TileDirectory::stats() const {
  Stats s{loads_.load(std::memory_order_relaxed), pack_opens_.load(std::memory_order_relaxed),
          evictions_.load(std::memory_order_relaxed), 0};
  std::lock_guard lock(mutex_);
  s.entries = slots_.size();
  return s;
}

}  // namespace astropixel::tiles
