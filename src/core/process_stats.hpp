#pragma once
#include <cstdint>
#include <optional>

namespace astropixel {

// Resident set size of this process in bytes, from /proc/self/statm.
std::optional<std::uint64_t> resident_memory_bytes();
// Number of open file descriptors, from /proc/self/fd.
std::optional<std::uint64_t> open_fds();

}  // namespace astropixel
