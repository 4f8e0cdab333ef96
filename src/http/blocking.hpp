#pragma once
// Database calls, hashing and file work block; they run here, off the I/O threads, so one slow
// query never stalls other connections.
#include <algorithm>
#include <atomic>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <exception>
#include <optional>
#include <type_traits>

#include "core/error.hpp"

namespace astropixel::http {

class BlockingPool {
 public:
  // `max_waiting`: how many places (one per task of the default weight) try_run lets queue.
  explicit BlockingPool(std::size_t threads, std::size_t max_waiting = 0)
      : pool_(threads), limit_((threads + max_waiting) * kSlot) {}

  // try_run's weights: a task of weight kSlot takes one of the `threads + max_waiting` places; a
  // lighter one a fraction of a place.
  static constexpr std::size_t kSlot = 64;
  ~BlockingPool() { pool_.join(); }

  // Runs `f` on a pool thread and resumes the calling coroutine with its result (or exception).
  // `f` is taken by lvalue reference on purpose: GCC 12 destroys some temporaries inside co_await
  // expressions twice, so callers name their lambda first (`auto job = ...; co_await run(job);`).
  //
  // Not co_spawn onto the pool: its entry point posts once more to the pool after `f` returns
  // (asio 1.26, co_spawn_entry_point), so every caller resumed only when the queue behind it had
  // drained (30 queued sign-ins all answered at the last one's time). Here the result goes straight
  // to the caller's executor.
  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F&>> run(F& f) {
    using R = std::invoke_result_t<F&>;
    namespace asio = boost::asio;
    // The work guard travels with the completion and dies on the caller's thread after it: left in
    // the pool's closure, it would be destroyed on the pool thread after the caller had resumed,
    // possibly after the caller's I/O context was gone (ASan: heap-use-after-free).
    if constexpr (std::is_void_v<R>) {
      co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr)>(
          [this, &f](auto handler) {
            auto back = asio::make_work_guard(asio::get_associated_executor(handler));
            asio::post(pool_, [&f, handler = std::move(handler), back = std::move(back)]() mutable {
              std::exception_ptr e;
              try {
                f();
              } catch (...) {
                e = std::current_exception();
              }
              auto to = back.get_executor();
              asio::dispatch(to, [handler = std::move(handler), back = std::move(back), e]() mutable {
                std::move(handler)(e);
              });
            });
          },
          asio::use_awaitable);
    } else {
      auto answer = co_await asio::async_initiate<decltype(asio::use_awaitable),
                                                  void(std::exception_ptr, std::optional<R>)>(
          [this, &f](auto handler) {
            auto back = asio::make_work_guard(asio::get_associated_executor(handler));
            asio::post(pool_, [&f, handler = std::move(handler), back = std::move(back)]() mutable {
              std::exception_ptr e;
              std::optional<R> r;
              try {
                r.emplace(f());
              } catch (...) {
                e = std::current_exception();
              }
              auto to = back.get_executor();
              asio::dispatch(to, [handler = std::move(handler), back = std::move(back), e,
                                  r = std::move(r)]() mutable { std::move(handler)(e, std::move(r)); });
            });
          },
          asio::use_awaitable);
      co_return std::move(*answer);
    }
  }

  // As run, for work whose cost is the caller's to choose (a render, a password hash): when every
  // thread is busy and tasks fill the `max_waiting` places, it answers unavailable (Retry-After 1) at
  // once. An unbounded queue would only turn a flood into memory and into latency for everyone,
  // honest callers included; a quick 503 lets them retry when the pool has room.
  //
  // `weight` (kSlot: one place) lets cheap tasks share a place: the queue is bounded by the work
  // waiting rather than by the number of tasks, so a viewer's many tile-sized renders are not
  // refused where a few large ones would be. An idle pool admits a task of any weight.
  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F&>> try_run(F& f, std::size_t weight = kSlot) {
    static_assert(std::is_constructible_v<std::invoke_result_t<F&>, Error>,
                  "try_run's task returns a Result");
    weight = std::max<std::size_t>(weight, 1);
    if (auto before = in_flight_.fetch_add(weight, std::memory_order_relaxed);
        before != 0 && before + weight > limit_) {
      in_flight_.fetch_sub(weight, std::memory_order_relaxed);
      Error busy = make_error(ErrorCode::unavailable, "Busy", "Too many requests of this kind are running");
      busy.retry_after_s = 1;
      co_return busy;
    }
    struct Leave {
      std::atomic<std::size_t>& n;
      std::size_t weight;
      ~Leave() { n.fetch_sub(weight, std::memory_order_relaxed); }
    } leave{in_flight_, weight};
    co_return co_await run(f);
  }

  // The weight of the tasks started through try_run and not yet finished (running or waiting), in
  // kSlot units: kSlot per full-weight task.
  std::size_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }

  void join() { pool_.join(); }

 private:
  boost::asio::thread_pool pool_;
  std::size_t limit_;
  std::atomic<std::size_t> in_flight_{0};
};

}  // namespace astropixel::http
