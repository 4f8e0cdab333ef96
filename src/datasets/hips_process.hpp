#pragma once
// HiPS builds (ADR 0030) in the sandboxed child process of child_process.hpp, like pyramid builds: the
// image's FITS header, parsed by wcslib, is hostile input, and the child writes only the HiPS directory.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "core/error.hpp"

namespace astropixel::datasets {

struct ChildHips {
  std::filesystem::path pack, output;  // a local pack with a data pyramid; the directory to fill
  std::string title, creator_did;
  // The image's `wcs` JSON (pyramid/fits_wcs.hpp) for a pack that holds no FITS header (a colour
  // composite's, its red channel's WCS); rebuilt as header cards in the child. Empty: the pack's.
  std::string wcs_json;
  unsigned threads = 0;
  std::uint64_t memory_limit_bytes = 0;
  std::chrono::seconds deadline{0};
};

struct HipsBuilt {
  int order = 0;
  std::string frame;
  std::int64_t tiles = 0, deepest_tiles = 0;
};

// Errors: those of pyramid::build_hips (no_celestial_wcs, wcs_unsupported, no_data_pyramid, ...);
// unprocessable (decoder_crashed / build_timeout) when the child dies or overruns; cancelled.
Result<HipsBuilt> build_hips_in_child(ChildHips const& build, std::function<void(double)> const& progress,
                                      std::atomic<bool> const& cancel);

}  // namespace astropixel::datasets
