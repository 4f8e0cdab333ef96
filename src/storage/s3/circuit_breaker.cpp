#include "storage/s3/circuit_breaker.hpp"

namespace astropixel::storage {

CircuitBreaker::Admission CircuitBreaker::admit() {
  std::lock_guard lock(mutex_);
  if (consecutive_failures_ < threshold_) return Admission::normal;
  if (std::chrono::steady_clock::now() < open_until_ || trial_in_flight_) {
    ++rejections_;
    return Admission::refused;
  }
  trial_in_flight_ = true;
  return Admission::trial;
}

void CircuitBreaker::record(Admission admission, bool succeeded) {
  if (admission == Admission::refused) return;
  std::lock_guard lock(mutex_);
  if (admission == Admission::trial) trial_in_flight_ = false;
  if (succeeded) {
    consecutive_failures_ = 0;
    return;
  }
  auto now = std::chrono::steady_clock::now();
  bool was_open = open_locked(now);
  ++consecutive_failures_;
  // Operations admitted before the breaker opened and failing now do not stretch its window; the
  // failure that opens it, and a failed trial, start a new one.
  if (consecutive_failures_ >= threshold_ && (!was_open || admission == Admission::trial)) {
    open_until_ = now + open_for_;
    opened_.notify_all();
  }
}

bool CircuitBreaker::pause_before_retry(std::chrono::milliseconds pause) {
  std::unique_lock lock(mutex_);
  return !opened_.wait_for(lock, pause, [&] { return open_locked(std::chrono::steady_clock::now()); });
}

bool CircuitBreaker::is_open() const {
  std::lock_guard lock(mutex_);
  return open_locked(std::chrono::steady_clock::now());
}

std::uint64_t CircuitBreaker::rejections() const {
  std::lock_guard lock(mutex_);
  return rejections_;
}

}  // namespace astropixel::storage
