#pragma once
// The remote tile cache's and the decoded tile cache's figures on /metrics (pyramid/tile_cache.hpp,
// tiles/decoded_tile_cache.hpp; ADR 0028 names).
#include <memory>

#include "metrics/metrics.hpp"
#include "pyramid/tile_cache.hpp"
#include "tiles/decoded_tile_cache.hpp"

namespace astropixel::tiles {

// Registers a collector reading `cache` at scrape time (it keeps the cache alive).
void add_tile_cache_metrics(metrics::Metrics& metrics, std::shared_ptr<pyramid::TileCache const> cache);
void add_decoded_tile_cache_metrics(metrics::Metrics& metrics, std::shared_ptr<DecodedTileCache const> cache);

}  // namespace astropixel::tiles
