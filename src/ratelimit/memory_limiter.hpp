#pragma once
#include <array>
#include <functional>
#include <mutex>
#include <unordered_map>

#include "ratelimit/limiter.hpp"

namespace astropixel::ratelimit {

// Generic cell rate algorithm, one theoretical-arrival-time per key. Memory is bounded: keys whose
// quota is fully restored carry no information and are dropped first; past `max_keys` the stalest
// key goes.
class MemoryLimiter final : public Limiter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  explicit MemoryLimiter(std::size_t max_keys = 100'000, Clock clock = std::chrono::steady_clock::now);

  Decision check(Policy const& policy, std::string_view key) override { return run(policy, key, true); }
  Decision peek(Policy const& policy, std::string_view key) override { return run(policy, key, false); }
  std::size_t size() const;

 private:
  static constexpr std::size_t kShards = 16;
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::chrono::steady_clock::time_point> tat;
  };
  void make_room(Shard& shard, std::chrono::steady_clock::time_point now);
  Decision run(Policy const& policy, std::string_view key, bool count);

  std::size_t max_keys_per_shard_;
  Clock clock_;
  std::array<Shard, kShards> shards_;
};

}  // namespace astropixel::ratelimit
