#include "db/pool.hpp"

#include "db/postgres/postgres_connection.hpp"
#include "db/sqlite/sqlite_connection.hpp"

namespace astropixel::db {

Pool::Lease::~Lease() {
  if (pool_ && conn_) pool_->release(std::move(conn_));
}

Pool::Pool(Factory factory, Dialect dialect, Options options)
    : factory_(std::move(factory)), dialect_(dialect), options_(options) {}

Pool::~Pool() = default;

Result<Pool::Lease> Pool::acquire() {
  auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
  std::unique_lock lock(mutex_);
  ++waiting_;
  for (;;) {
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      --waiting_;
      return Lease(this, std::move(conn));
    }
    if (open_ < options_.size + options_.max_overflow) {
      ++open_;  // reserve the slot, then connect without holding the lock
      --waiting_;
      lock.unlock();
      auto conn = factory_();
      if (!conn) {
        lock.lock();
        --open_;
        available_.notify_one();
        return conn.error();
      }
      return Lease(this, std::move(*conn));
    }
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.size + options_.max_overflow) {
      --waiting_;
      ++timeouts_;
      Error e = make_error(ErrorCode::unavailable, "Service temporarily unavailable",
                           "All database connections are busy");
      e.retry_after_s = 1;
      return e;
    }
  }
}

void Pool::release(std::unique_ptr<Connection> conn) {
  std::unique_ptr<Connection> to_close;
  {
    std::lock_guard lock(mutex_);
    if (conn->broken() || open_ > options_.size) {
      to_close = std::move(conn);  // broken, or an overflow connection: close instead of keeping it idle
      --open_;
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  available_.notify_one();
}

Pool::Stats Pool::stats() const {
  std::lock_guard lock(mutex_);
  return Stats{options_.size, options_.max_overflow, open_, open_ - idle_.size(), idle_.size(), waiting_,
               timeouts_};
}

Result<std::unique_ptr<Pool>> make_pool(std::string const& url, Pool::Options options) {
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return std::make_unique<Pool>([url] { return open_postgres(url); }, Dialect::postgres, options);
  }
  if (url.starts_with("sqlite:")) {
    std::string path = url.substr(7);
    if (path.starts_with("//")) path = path.substr(2);  // sqlite:///abs → /abs
    if (path.empty()) return make_error(ErrorCode::validation, "DATABASE_URL names no SQLite file");
    return std::make_unique<Pool>([path] { return open_sqlite(path); }, Dialect::sqlite, options);
  }
  return make_error(ErrorCode::validation,
                    "DATABASE_URL must start with sqlite:, postgresql:// or postgres://");
}

}  // namespace astropixel::db
