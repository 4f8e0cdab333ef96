#include "db/pool_metrics.hpp"

namespace astropixel::db {

void add_pool_metrics(metrics::Metrics& metrics, Pool const& pool) {
  metrics.add_collector([&pool](metrics::Metrics::GaugeSetter const& set) {
    auto s = pool.stats();
    set("astropixel_db_pool_size", "Configured pool size (DB_POOL_SIZE)", {}, static_cast<double>(s.size));
    set("astropixel_db_pool_max_overflow", "Configured overflow (DB_MAX_OVERFLOW)", {},
        static_cast<double>(s.max_overflow));
    set("astropixel_db_pool_connections", "Open database connections by state", {{"state", "in_use"}},
        static_cast<double>(s.in_use));
    set("astropixel_db_pool_connections", "Open database connections by state", {{"state", "idle"}},
        static_cast<double>(s.idle));
    set("astropixel_db_pool_waiting", "Callers waiting for a database connection", {},
        static_cast<double>(s.waiting));
    set("astropixel_db_pool_timeouts_total", "Acquisitions that gave up after DB_POOL_TIMEOUT_MS", {},
        static_cast<double>(s.timeouts));
  });
}

}  // namespace astropixel::db
