#pragma once
#include <cstdint>
#include <optional>

namespace astropixel {

// Resident set size of this process in bytes, from /proc/self/statm.
std::optional<std::uint64_t> resident_memory_bytes();
// Bytes available to unprivileged writers on the file system holding `path` (statvfs).
std::optional<std::uint64_t> free_disk_bytes(char const* path);
// Number of open file descriptors, from /proc/self/fd.
std::optional<std::uint64_t> open_fds();

}  // namespace astropixel
