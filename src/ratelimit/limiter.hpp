#pragma once
// Rate limiting behind one interface: the in-process GCRA limiter here is the embedded default; a
// Redis implementation with the same semantics can replace it when several instances share clients.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace astropixel::ratelimit {

// `limit` requests per `window`, all of which may arrive at once (burst = limit).
struct Policy {
  std::string name;
  std::uint32_t limit = 0;
  std::chrono::seconds window{60};
};

struct Decision {
  bool allowed = true;
  std::uint32_t remaining = 0;    // requests still allowed right now
  std::uint32_t retry_after = 0;  // seconds until the next request is allowed (when denied)
  std::uint32_t reset = 0;        // seconds until the quota is fully restored
};

class Limiter {
 public:
  virtual ~Limiter() = default;
  // Counts one request of `key` (e.g. a client address) against `policy`.
  virtual Decision check(Policy const& policy, std::string_view key) = 0;
  // What check would answer, counting nothing (to count failures only: peek before, check after).
  virtual Decision peek(Policy const& policy, std::string_view key) = 0;
};

}  // namespace astropixel::ratelimit
