#pragma once
// A bounded connection pool: at most size + max_overflow connections exist; connections beyond
// `size` are closed as soon as they are returned; a caller waits at most `acquire_timeout` and then
// gets `unavailable` (HTTP 503 + Retry-After), never a hang.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "db/connection.hpp"

namespace astropixel::db {

class Pool {
 public:
  using Factory = std::function<Result<std::unique_ptr<Connection>>()>;
  struct Options {
    std::size_t size = 10;
    std::size_t max_overflow = 5;
    std::chrono::milliseconds acquire_timeout{5000};
  };
  struct Stats {
    std::size_t size = 0, max_overflow = 0;
    std::size_t open = 0, in_use = 0, idle = 0, waiting = 0;
    std::uint64_t timeouts = 0;
  };

  // A borrowed connection, returned to the pool on destruction.
  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(std::move(other.conn_)) {
      other.pool_ = nullptr;
    }
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection* operator->() const { return conn_.get(); }
    Connection& operator*() const { return *conn_; }

   private:
    friend class Pool;
    Lease(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  Pool(Factory factory, Dialect dialect, Options options);
  ~Pool();
  Pool(Pool const&) = delete;
  Pool& operator=(Pool const&) = delete;

  // Errors: unavailable (pool exhausted past the timeout, or the database cannot be reached).
  Result<Lease> acquire();
  Stats stats() const;
  Dialect dialect() const { return dialect_; }

 private:
  void release(std::unique_ptr<Connection> conn);

  Factory factory_;
  Dialect dialect_;
  Options options_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // idle + in use + being opened
  std::size_t waiting_ = 0;
  std::uint64_t timeouts_ = 0;
};

// Builds a pool from DATABASE_URL: "sqlite:///abs/path.db", "sqlite:relative.db" or
// "postgresql://..." / "postgres://...". Errors: validation for an unknown scheme.
Result<std::unique_ptr<Pool>> make_pool(std::string const& database_url, Pool::Options options);

}  // namespace astropixel::db
