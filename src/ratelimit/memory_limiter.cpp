#include "ratelimit/memory_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace astropixel::ratelimit {

using std::chrono::duration;
using std::chrono::duration_cast;
using std::chrono::steady_clock;

MemoryLimiter::MemoryLimiter(std::size_t max_keys, Clock clock)
    : max_keys_per_shard_(std::max<std::size_t>(1, max_keys / kShards)), clock_(std::move(clock)) {}

std::size_t MemoryLimiter::size() const {
  std::size_t n = 0;
  for (auto const& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.tat.size();
  }
  return n;
}

void MemoryLimiter::make_room(Shard& shard, steady_clock::time_point now) {
  std::erase_if(shard.tat, [now](auto const& kv) { return kv.second <= now; });
  while (shard.tat.size() >= max_keys_per_shard_) {
    auto oldest = std::min_element(shard.tat.begin(), shard.tat.end(),
                                   [](auto const& a, auto const& b) { return a.second < b.second; });
    shard.tat.erase(oldest);
  }
}

Decision MemoryLimiter::run(Policy const& policy, std::string_view key, bool count) {
  if (policy.limit == 0) return Decision{true, 0, 0, 0};
  auto now = clock_();
  auto window = duration_cast<steady_clock::duration>(policy.window);
  auto interval = window / policy.limit;  // emission interval T

  std::string full_key = policy.name;
  full_key += '\x1f';
  full_key += key;
  auto& shard = shards_[std::hash<std::string>{}(full_key) % kShards];
  std::lock_guard lock(shard.mutex);

  auto it = shard.tat.find(full_key);
  auto tat = it == shard.tat.end() ? now : std::max(it->second, now);
  auto new_tat = tat + interval;
  auto allow_at = new_tat - window;

  auto seconds_ceil = [](steady_clock::duration d) {
    return static_cast<std::uint32_t>(std::ceil(duration<double>(d).count()));
  };
  Decision d;
  if (now < allow_at) {
    d.allowed = false;
    d.remaining = 0;
    d.retry_after = std::max<std::uint32_t>(1, seconds_ceil(allow_at - now));
    d.reset = seconds_ceil(tat - now);
    return d;
  }
  if (!count) {
    // As if this request were counted: `remaining` after it, like check's answer.
  } else if (it == shard.tat.end()) {
    if (shard.tat.size() >= max_keys_per_shard_) make_room(shard, now);
    shard.tat.emplace(std::move(full_key), new_tat);
  } else {
    it->second = new_tat;
  }
  d.allowed = true;
  d.remaining = static_cast<std::uint32_t>((window - (new_tat - now)) / interval);
  d.reset = seconds_ceil(new_tat - now);
  return d;
}

}  // namespace astropixel::ratelimit
