#pragma once
// The object store's circuit breaker. Closed: every operation goes, with its retries. Open (after
// `threshold` consecutive failed operations): every operation is refused at once for `open_for`.
// Half-open (the window has passed): one trial operation goes, once, while the others are still
// refused; its outcome closes the breaker or opens it for another window.
//
// An operation that was already retrying when the breaker opened stops at its next pause, at once
// (pause_before_retry wakes): otherwise it would sleep through its backoff holding a blocking-pool
// thread against a store known to be down, and requests that the breaker should answer in
// microseconds would queue behind it.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace astropixel::storage {

class CircuitBreaker {
 public:
  enum class Admission { refused, normal, trial };

  CircuitBreaker(int threshold, std::chrono::milliseconds open_for)
      : threshold_(threshold < 1 ? 1 : threshold), open_for_(open_for) {}

  Admission admit();
  // Every admitted operation reports its outcome exactly once.
  void record(Admission admission, bool succeeded);
  // Sleeps `pause` before a retry. False, as soon as it happens, when the breaker opens meanwhile:
  // the operation then gives up.
  bool pause_before_retry(std::chrono::milliseconds pause);

  bool is_open() const;
  std::uint64_t rejections() const;

 private:
  bool open_locked(std::chrono::steady_clock::time_point now) const {
    return consecutive_failures_ >= threshold_ && now < open_until_;
  }

  int const threshold_;
  std::chrono::milliseconds const open_for_;
  mutable std::mutex mutex_;
  std::condition_variable opened_;
  int consecutive_failures_ = 0;
  std::chrono::steady_clock::time_point open_until_{};
  bool trial_in_flight_ = false;
  std::uint64_t rejections_ = 0;
};

}  // namespace astropixel::storage
