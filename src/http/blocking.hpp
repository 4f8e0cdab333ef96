#pragma once
// Database calls, hashing and file work block; they run here, off the I/O threads, so one slow
// query never stalls other connections.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <type_traits>

namespace astropixel::http {

class BlockingPool {
 public:
  explicit BlockingPool(std::size_t threads) : pool_(threads) {}
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

  void join() { pool_.join(); }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace astropixel::http
