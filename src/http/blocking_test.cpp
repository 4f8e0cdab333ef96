#include "http/blocking.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <future>
#include <latch>
#include <stdexcept>
#include <vector>

namespace astropixel::http {
namespace {

namespace asio = boost::asio;

// try_run admits threads + max_waiting tasks; the next is refused at once with Retry-After, and
// once the held ones finish the pool admits again.
TEST(BlockingPool, TryRunRefusesPastItsThreadsAndWaitingSlots) {
  BlockingPool pool(1, 1);
  std::promise<void> release_promise;
  std::shared_future<void> release = release_promise.get_future().share();
  std::latch running(1);
  asio::io_context io;
  auto keep = asio::make_work_guard(io);  // the awaiting coroutines resume here
  std::vector<Result<int>> results;
  int started = 0;
  auto held = [&] {
    if (started++ == 0) running.count_down();
    release.wait();
    return Result<int>(7);
  };
  auto spawn = [&](auto& f) {
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { results.push_back(co_await pool.try_run(f)); }, asio::detached);
  };
  spawn(held);  // runs
  spawn(held);  // waits
  spawn(held);  // refused
  io.poll();    // every coroutine reaches its co_await
  running.wait();
  ASSERT_EQ(results.size(), 1u);
  ASSERT_FALSE(results[0]);
  EXPECT_EQ(results[0].error().code, ErrorCode::unavailable);
  EXPECT_EQ(results[0].error().retry_after_s, 1);
  EXPECT_EQ(pool.in_flight(), 2 * BlockingPool::kSlot);

  release_promise.set_value();
  for (int i = 0; i < 100 && results.size() < 3; ++i) io.run_one_for(std::chrono::milliseconds(100));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[1] && *results[1] == 7);
  EXPECT_TRUE(results[2] && *results[2] == 7);
  EXPECT_EQ(pool.in_flight(), 0u);

  auto quick = [] { return Result<int>(8); };
  spawn(quick);
  for (int i = 0; i < 100 && results.size() < 4; ++i) io.run_one_for(std::chrono::milliseconds(100));
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(results[3] && *results[3] == 8);
}

// Weights: light tasks share a place, so more of them wait than places; a heavy task takes more than
// one; an idle pool admits even a task heavier than all its places.
TEST(BlockingPool, TryRunBoundsTheWeightWaitingNotTheNumberOfTasks) {
  BlockingPool pool(1, 1);  // two places
  std::promise<void> release_promise;
  std::shared_future<void> release = release_promise.get_future().share();
  std::latch running(1);
  asio::io_context io;
  auto keep = asio::make_work_guard(io);
  std::vector<Result<int>> results;
  std::atomic<int> started = 0;
  auto held = [&] {
    if (started++ == 0) running.count_down();
    release.wait();
    return Result<int>(7);
  };
  auto spawn = [&](auto& f, std::size_t weight) {
    asio::co_spawn(
        io, [&, weight]() -> asio::awaitable<void> { results.push_back(co_await pool.try_run(f, weight)); },
        asio::detached);
  };
  auto const eighth = BlockingPool::kSlot / 8;
  for (int i = 0; i < 16; ++i) spawn(held, eighth);  // sixteen eighths fill both places
  spawn(held, eighth);                               // refused
  spawn(held, BlockingPool::kSlot);                  // refused
  io.poll();
  running.wait();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_FALSE(results[0]);
  EXPECT_FALSE(results[1]);
  EXPECT_EQ(pool.in_flight(), 2 * BlockingPool::kSlot);
  release_promise.set_value();
  for (int i = 0; i < 200 && results.size() < 18; ++i) io.run_one_for(std::chrono::milliseconds(100));
  ASSERT_EQ(results.size(), 18u);
  for (std::size_t i = 2; i < results.size(); ++i) EXPECT_TRUE(results[i] && *results[i] == 7);
  EXPECT_EQ(pool.in_flight(), 0u);

  auto quick = [] { return Result<int>(8); };
  spawn(quick, 5 * BlockingPool::kSlot);  // heavier than the pool, but the pool is idle
  for (int i = 0; i < 100 && results.size() < 19; ++i) io.run_one_for(std::chrono::milliseconds(100));
  ASSERT_EQ(results.size(), 19u);
  EXPECT_TRUE(results[18] && *results[18] == 8);
}

// A caller resumes as soon as its own task is done, not when the tasks queued behind it are: with
// co_spawn onto the pool it resumed only after the queue had drained (here: never, as the second
// task waits for the first caller's resumption).
TEST(BlockingPool, ACallerResumesWithoutWaitingForTheTasksQueuedBehindIt) {
  BlockingPool pool(1);
  asio::io_context io;
  auto keep = asio::make_work_guard(io);
  std::promise<void> resumed_promise;
  std::shared_future<void> resumed = resumed_promise.get_future().share();
  bool first_done = false, second_saw_resumption = false;
  auto first = [] { return 1; };
  auto second = [&] {
    second_saw_resumption = resumed.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    return 2;
  };
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        EXPECT_EQ(co_await pool.run(first), 1);
        first_done = true;
        resumed_promise.set_value();
      },
      asio::detached);
  int second_result = 0;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { second_result = co_await pool.run(second); }, asio::detached);
  for (int i = 0; i < 200 && second_result == 0; ++i) io.run_one_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(first_done);
  EXPECT_TRUE(second_saw_resumption);
  EXPECT_EQ(second_result, 2);
}

// Exceptions cross back to the caller, with and without a result.
TEST(BlockingPool, RunRethrowsInTheCaller) {
  BlockingPool pool(1);
  asio::io_context io;
  int caught = 0;
  auto throws_int = []() -> int { throw std::runtime_error("x"); };
  auto throws_void = [] { throw std::runtime_error("y"); };
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        try {
          co_await pool.run(throws_int);
        } catch (std::runtime_error const&) {
          ++caught;
        }
        try {
          co_await pool.run(throws_void);
        } catch (std::runtime_error const&) {
          ++caught;
        }
      },
      asio::detached);
  io.run();
  EXPECT_EQ(caught, 2);
}

}  // namespace
}  // namespace astropixel::http
