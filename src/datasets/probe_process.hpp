#pragma once
// Upload completion reads the image's header (pyramid::probe) in a sandboxed child process
// (`astropixel _probe`, child_process.hpp) with a short deadline, not in the server: the header
// parsers of libvips, libtiff and cfitsio meet hostile bytes first here. A probe of an object in a
// store gets its bytes from the server through its stdin, one ranged read at a time, so the child
// never holds the store's credentials. A probe that crashes or hangs answers 422 (decoder_crashed,
// probe_timeout); the server carries on.
#include <chrono>
#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "pyramid/source.hpp"

namespace astropixel::datasets {

struct ProbeSettings {
  std::uint64_t max_pixels = 0;
  std::uint64_t memory_limit_bytes = 0;  // address space of the child; 0 = none
  // PROBE_TIMEOUT_S, plus a second per 32 MiB of the file: compressed FITS is inflated to scratch
  // space before its header can be read.
  std::chrono::seconds timeout{30};
  std::string fault{};  // tests: "crash" or "hang"
};

// Errors: as pyramid::probe; unprocessable (decoder_crashed, probe_timeout) when the child dies or
// is stopped; internal when it cannot start.
Result<pyramid::SourceInfo> probe_in_child(std::filesystem::path const& path, ProbeSettings const& settings);

// Errors: as pyramid::probe_stored, and as probe_in_child.
Result<pyramid::SourceInfo> probe_stored_in_child(pyramid::StoredRead const& read, std::uint64_t size,
                                                  std::filesystem::path const& scratch,
                                                  ProbeSettings const& settings);

// The two ends of the protocol (the child's side is app/probe_child.cpp): what a probe found, and
// a request for stored bytes; a reply to one is an 8-byte little-endian count (negative: the read
// failed) and that many bytes.
std::string probe_info_line(pyramid::SourceInfo const& info);
std::string read_request_line(std::uint64_t offset, std::uint64_t length);
constexpr std::uint64_t kMaxProbeRead = 8u << 20;

}  // namespace astropixel::datasets
