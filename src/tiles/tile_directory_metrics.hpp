#pragma once
// The tile directory's figures on /metrics: how often tile requests needed the database or opened a
// pack, which is what limits serving many datasets (bench/many.sh).
#include "metrics/metrics.hpp"
#include "tiles/tile_directory.hpp"

namespace astropixel::tiles {

// Registers a collector reading `directory` at scrape time; the directory must outlive `metrics`' use.
void add_tile_directory_metrics(metrics::Metrics& metrics, TileDirectory const& directory);

}  // namespace astropixel::tiles
