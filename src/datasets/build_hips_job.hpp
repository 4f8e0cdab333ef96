#pragma once
// The build_hips job (ADR 0030): a HiPS of a published pyramid with a celestial WCS, made in the
// sandboxed child (hips_process.hpp) from the pack's data pyramid, stored as files under
// `hips/{id}/v{version}/` in the blob store (what a HiPS client fetches, one blob per file) and recorded
// in the pyramid's info as "hips": {"status": "ready", "order", "frame", "tiles"} — or "failed" with the
// reason. A HiPS that cannot be made never fails its dataset. Queued by the pyramid build that
// publishes the version (in its transaction), or on request.
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "jobs/worker_pool.hpp"
#include "storage/blob_store.hpp"

namespace astropixel::datasets {

inline constexpr std::string_view kBuildHipsJob = "build_hips";

struct HipsSettings {
  std::filesystem::path scratch;         // local directory for the pack copy and the HiPS files
  std::uint64_t memory_limit_bytes = 0;  // of the child; 0 = none
  // The child is killed past 2 × (timeout_base + timeout_per_megapixel × megapixels); 0 = never.
  std::chrono::seconds timeout_base{0};
  std::chrono::milliseconds timeout_per_megapixel{0};
  unsigned threads = 0;
};

jobs::JobHandler build_hips_handler(storage::BlobStore& blobs, HipsSettings settings);

// Whether a published pyramid's info (JSON) is of an image a HiPS can be made of: one band of values,
// or a colour composite's three, with an equatorial or galactic WCS.
bool hips_possible(std::string_view pyramid_info_json);

}  // namespace astropixel::datasets
