#pragma once
#include <chrono>
#include <cstdint>

namespace astropixel {

// Wall-clock time as Unix milliseconds: the representation stored in the database.
inline std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace astropixel
