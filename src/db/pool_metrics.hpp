#pragma once
// The database pool's figures at every scrape: configured size and overflow, connections in use and
// idle, callers waiting, acquisitions that timed out (DB_POOL_* settings, docs/operations.md).
#include "db/pool.hpp"
#include "metrics/metrics.hpp"

namespace astropixel::db {

// `pool` must outlive `metrics`' scrapes.
void add_pool_metrics(metrics::Metrics& metrics, Pool const& pool);

}  // namespace astropixel::db
