#pragma once
// Builds a tile pyramid in one top-to-bottom pass over the source: each strip of full-resolution
// rows is cut into tiles, encoded on several threads, and averaged 2×2 into the next level's strip,
// cascading down to 1×1. Memory is O(width × tile size); no level is ever held whole.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "pyramid/encoder.hpp"
#include "pyramid/source.hpp"
#include "pyramid/tile_sink.hpp"

namespace astropixel::pyramid {

struct BuildOptions {
  TileFormat format = TileFormat::jpeg;
  int quality = 85;
  std::uint32_t tile_size = 256;
  std::uint64_t max_pixels = 10'000'000'000ull;
  unsigned threads = 0;    // 0 = one per core
  StretchOptions stretch;  // for 16-bit and float data
  FitsSelection fits;      // which HDU and plane of a FITS file
};

struct Progress {
  // Rows decoded, over every pass: 16-bit and float sources are read twice (statistics, then tiles),
  // so their total is twice the height and the first half is the "statistics" stage.
  std::uint64_t rows_done = 0, rows_total = 0;
  std::string_view stage = "tiling";
  std::uint64_t tiles = 0, bytes = 0;
  double seconds = 0;
  bool preview = false;  // the preview is in the sink, written before the tiles (ADR 0036)
  double fraction() const { return rows_total ? static_cast<double>(rows_done) / rows_total : 0; }
};

struct BuildResult {
  SourceInfo source;
  std::uint32_t width = 0, height = 0;
  int levels = 0;
  std::uint64_t tiles = 0, bytes = 0;
  double seconds = 0;
  std::vector<std::string> warnings;
};

using ProgressFn = std::function<void(Progress const&)>;

// Errors: those of Source::open and read_rows, the sink's, and cancelled (within one strip of the
// flag being set; the sink then discards everything it wrote).
Result<BuildResult> build(std::filesystem::path const& input, TileSink& sink, BuildOptions const& options,
                          ProgressFn const& progress = {}, std::atomic<bool> const* cancel = nullptr);

// A 2×2 box average of two rows (the second may be the first again at an odd bottom edge) into one
// row of ceil(width / 2) pixels; an odd right edge averages the last pixel with itself.
void shrink_rows(unsigned char const* top, unsigned char const* bottom, std::uint32_t width, int bands,
                 unsigned char* out);

}  // namespace astropixel::pyramid
