#pragma once
// The build_pyramid job: checks disk space, builds the dataset's pyramid into a pack under a
// staging name, and publishes it in the same transaction that marks the job succeeded, fenced by
// the job's lease, so a dataset never shows a partial pyramid and a stale worker cannot publish.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>

#include "datasets/dataset_service.hpp"
#include "jobs/worker_pool.hpp"
#include "pyramid/builder.hpp"

namespace astropixel::datasets {

// Resident memory around the last build, exported as metrics: this process's, and the peak of the
// child process that built it.
struct MemoryReport {
  std::atomic<std::uint64_t> before{0}, after_tiling{0}, after_cleanup{0}, build_peak{0};
};

struct BuildSettings {
  pyramid::BuildOptions options;    // tile format, size, quality, pixel limit, threads
  std::uint64_t reserve_bytes = 0;  // free space that must remain after the build
  std::filesystem::path scratch;    // local directory for packs when the store is remote
  // Free bytes where the pyramid is written; replaced in tests to inject a small disk.
  std::function<Result<std::uint64_t>()> free_bytes;
  MemoryReport* memory = nullptr;
  std::uint64_t memory_limit_bytes = 0;  // of the build process (BUILD_MEMORY_LIMIT_MB); 0 = none
  // The build process is killed past timeout_base + timeout_per_megapixel × the image's megapixels
  // of wall time, or that × (encoder threads + 1) of CPU time: a hung or crawling decoder fails its
  // dataset (build_timeout) instead of holding a worker for ever. 0 = no deadline.
  std::chrono::seconds timeout_base{0};
  std::chrono::milliseconds timeout_per_megapixel{0};
  // Fault injection for tests: a pause after every strip (to kill builds midway), and decoders
  // that crash or hang.
  std::function<int()> strip_delay_ms;
  std::function<bool()> crash;
  std::function<std::string()> fault{};  // "hang", "network:PORT" (build_child.cpp) or empty
};

// `blobs` holds the sources and receives the packs.
jobs::JobHandler build_pyramid_handler(storage::BlobStore& blobs, BuildSettings settings);

// Extra local space a decoder may need beyond the input and the output (formats that cannot be
// streamed top to bottom are decoded whole).
std::uint64_t decode_temp_bytes(Dataset const& d);

}  // namespace astropixel::datasets
