#pragma once
// Pyramid builds in a child process: the server (or worker) runs `astropixel _build` from its own
// executable for each build, so the decoders that read hostile files (libtiff, libpng, libjpeg,
// OpenJPEG, libwebp, cfitsio) run outside it. A decoder that crashes, or allocates past the memory
// limit, ends the child; the job fails with a clear reason and the server keeps serving. The child
// runs in the sandbox of child_process.hpp (scrubbed environment, no network, limits), dies with its
// parent (PR_SET_PDEATHSIG), is killed at once on cancel or at its deadline, and its peak memory is
// measured (wait4).
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "pyramid/builder.hpp"

namespace astropixel::datasets {

struct ChildBuild {
  std::filesystem::path input, output;  // the source, and the pack to write
  // Where the child's private temporary directory is made (a `.fits.gz` is inflated there); empty:
  // beside the output. Not the output's directory when that is the blob store's: a killed build
  // would leave the directory among the dataset's pyramids.
  std::filesystem::path scratch{};
  pyramid::BuildOptions options;
  std::uint64_t memory_limit_bytes = 0;  // address-space limit of the child; 0 = none
  std::chrono::seconds deadline{0};      // wall clock; 0 = none
  std::uint64_t cpu_seconds = 0;         // CPU time; 0 = none
  int strip_delay_ms = 0;                // tests: slow builds down
  std::string fault{};                   // tests: "crash" or "hang" (the decoder never returns)
  // Where the child keeps a snapshot of the pyramid so far (PackWriter::checkpoint), beside the
  // output; empty: none.
  std::filesystem::path live{};
};

// A snapshot was written: its number and the complete tile rows of each level (level 0 first).
using CheckpointFn =
    std::function<void(int number, std::vector<std::uint32_t> const& tile_rows, bool preview)>;

// Errors: those of pyramid::build; unprocessable when the child dies (decoder_crashed) or is
// stopped at its deadline or CPU limit (build_timeout); cancelled; internal when it cannot start.
Result<pyramid::BuildResult> build_in_child(ChildBuild const& build, pyramid::ProgressFn const& progress,
                                            std::atomic<bool> const& cancel,
                                            std::uint64_t* peak_rss_bytes = nullptr,
                                            CheckpointFn const& checkpoint = {});

}  // namespace astropixel::datasets
