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
// The most file descriptors this process may open (RLIMIT_NOFILE's soft limit).
std::optional<std::uint64_t> max_fds();
// Virtual memory size in bytes, from /proc/self/statm.
std::optional<std::uint64_t> virtual_memory_bytes();
// User plus system CPU time this process has used, in seconds (getrusage).
double cpu_seconds();
// When this process started, in seconds since the Unix epoch (from /proc/self/stat).
std::optional<double> start_time_seconds();

}  // namespace astropixel
