#include "tiles/tile_directory_metrics.hpp"

namespace astropixel::tiles {

void add_tile_directory_metrics(metrics::Metrics& metrics, TileDirectory const& directory) {
  metrics.add_collector([&directory](metrics::Metrics::GaugeSetter const& set) {
    auto s = directory.stats();
    // Per tile request these should stay near zero: each load is one database query (one per
    // dataset and TILE_CACHE_TTL_MS while it is used), each open maps a pack and parses its index.
    set("astropixel_tile_directory_loads_total",
        "Database lookups of a dataset's access rules and published pyramid by the tile read path", {},
        static_cast<double>(s.loads));
    set("astropixel_tile_directory_pack_opens_total", "Pyramid packs opened by the tile read path", {},
        static_cast<double>(s.pack_opens));
    set("astropixel_tile_directory_evictions_total",
        "Datasets dropped from the tile directory to stay within its size (least recently used first)", {},
        static_cast<double>(s.evictions));
    set("astropixel_tile_directory_entries", "Datasets held by the tile directory", {},
        static_cast<double>(s.entries));
  });
}

}  // namespace astropixel::tiles
