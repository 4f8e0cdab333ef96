#pragma once
// Database calls, hashing and file work block; they run here, off the I/O threads, so one slow
// query never stalls other connections.
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <type_traits>

#include "core/error.hpp"

namespace astropixel::http {

class BlockingPool {
 public:
  // `max_waiting`: how many tasks try_run lets queue behind the busy threads before it refuses.
  explicit BlockingPool(std::size_t threads, std::size_t max_waiting = 0)
      : pool_(threads), limit_(threads + max_waiting) {}
  ~BlockingPool() { pool_.join(); }

  // Runs `f` on a pool thread and resumes the calling coroutine with its result (or exception).
  // `f` is taken by lvalue reference on purpose: GCC 12 destroys some temporaries inside co_await
  // expressions twice, so callers name their lambda first (`auto job = ...; co_await run(job);`).
  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F&>> run(F& f) {
    using R = std::invoke_result_t<F&>;
    auto task = [&f]() -> boost::asio::awaitable<R> { co_return f(); };
    co_return co_await boost::asio::co_spawn(pool_.get_executor(), task, boost::asio::use_awaitable);
  }

  // As run, for work whose cost is the caller's to choose (a render, a password hash): when every
  // thread is busy and `max_waiting` tasks already wait, it answers unavailable (Retry-After 1) at
  // once. An unbounded queue would only turn a flood into memory and into latency for everyone,
  // honest callers included; a quick 503 lets them retry when the pool has room.
  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F&>> try_run(F& f) {
    static_assert(std::is_constructible_v<std::invoke_result_t<F&>, Error>,
                  "try_run's task returns a Result");
    if (in_flight_.fetch_add(1, std::memory_order_relaxed) >= limit_) {
      in_flight_.fetch_sub(1, std::memory_order_relaxed);
      Error busy = make_error(ErrorCode::unavailable, "Busy", "Too many requests of this kind are running");
      busy.retry_after_s = 1;
      co_return busy;
    }
    struct Leave {
      std::atomic<std::size_t>& n;
      ~Leave() { n.fetch_sub(1, std::memory_order_relaxed); }
    } leave{in_flight_};
    co_return co_await run(f);
  }

  // Tasks started through try_run and not yet finished (running or waiting).
  std::size_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }

  void join() { pool_.join(); }

 private:
  boost::asio::thread_pool pool_;
  std::size_t limit_;
  std::atomic<std::size_t> in_flight_{0};
};

}  // namespace astropixel::http
