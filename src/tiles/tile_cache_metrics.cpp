#include "tiles/tile_cache_metrics.hpp"

namespace astropixel::tiles {

void add_tile_cache_metrics(metrics::Metrics& metrics, std::shared_ptr<pyramid::TileCache const> cache) {
  metrics.add_collector([cache = std::move(cache)](metrics::Metrics::GaugeSetter const& set) {
    auto s = cache->stats();
    // The hit rate is hits / (hits + misses); a miss is one ranged GET to the object store.
    set("astropixel_remote_tile_cache_hits_total", "Reads of packs in the object store answered from memory",
        {}, static_cast<double>(s.hits));
    set("astropixel_remote_tile_cache_misses_total",
        "Reads of packs in the object store that went to the store (one ranged GET each)", {},
        static_cast<double>(s.misses));
    set("astropixel_remote_tile_cache_evictions_total", "Entries dropped to keep the cache within its size",
        {}, static_cast<double>(s.evictions));
    set("astropixel_remote_tile_cache_bytes", "Bytes held by the remote tile cache", {},
        static_cast<double>(s.bytes));
    set("astropixel_remote_tile_cache_max_bytes",
        "The remote tile cache's size limit (REMOTE_TILE_CACHE_BYTES)", {}, static_cast<double>(s.max_bytes));
    set("astropixel_remote_tile_cache_entries", "Ranges held by the remote tile cache", {},
        static_cast<double>(s.entries));
  });
}

void add_decoded_tile_cache_metrics(metrics::Metrics& metrics,
                                    std::shared_ptr<DecodedTileCache const> cache) {
  metrics.add_collector([cache = std::move(cache)](metrics::Metrics::GaugeSetter const& set) {
    auto s = cache->stats();
    // The hit rate is hits / (hits + misses); a miss is one JPEG tile decoded (whole or in part).
    set("astropixel_iiif_decoded_tile_cache_hits_total", "Tiles an IIIF render found already decoded", {},
        static_cast<double>(s.hits));
    set("astropixel_iiif_decoded_tile_cache_misses_total", "Tiles an IIIF render had to decode", {},
        static_cast<double>(s.misses));
    set("astropixel_iiif_decoded_tile_cache_evictions_total",
        "Decoded tiles dropped to keep the cache within its size", {}, static_cast<double>(s.evictions));
    set("astropixel_iiif_decoded_tile_cache_bytes", "Bytes held by the decoded tile cache", {},
        static_cast<double>(s.bytes));
    set("astropixel_iiif_decoded_tile_cache_max_bytes",
        "The decoded tile cache's size limit (IIIF_DECODED_TILE_CACHE_BYTES)", {},
        static_cast<double>(s.max_bytes));
    set("astropixel_iiif_decoded_tile_cache_entries", "Tiles held by the decoded tile cache", {},
        static_cast<double>(s.entries));
  });
}

}  // namespace astropixel::tiles
