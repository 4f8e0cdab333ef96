#pragma once
// Resampling of 8-bit interleaved pixels to an exact size, for the region renderer's direct path. A
// separable triangle filter whose radius is one input pixel when enlarging and one output pixel (1/scale
// input pixels) when reducing, so every input pixel counts and nothing aliases; pixel centres map as
// (o + 0.5) / scale - 0.5, edges clamped. Fixed point (weights in 1/16384, an intermediate of 8 extra
// bits), rows first and then columns, so the wide pass is the one compilers vectorise; a result differs
// from the exact filter by at most one level when reducing by up to a few hundred (each weight is
// rounded to 1/16384: past that the error grows, a few levels at a reduction by thousands).
#include <cstdint>
#include <vector>

namespace astropixel::tiles {

struct Pixels {
  std::vector<unsigned char> data;  // rows of width × bands, no padding
  int width = 0, height = 0, bands = 0;
};

// The filter's taps from `in` samples to `out`: `per` weights an output sample (the widest; unused
// ones weigh 0), starting at input sample `first[o]`, with first[o] + per <= in whenever in >= per.
struct Taps {
  int per = 0;
  std::vector<int> first;
  std::vector<std::int16_t> weight;  // out × per, each output's summing to exactly kOne
  static constexpr int kShift = 14;
  static constexpr int kOne = 1 << kShift;
};

Taps triangle_taps(int in, int out);

// `in` resampled to exactly width × height (a copy when the size is already that). bands 1 to 4.
Pixels resample(Pixels const& in, int width, int height);

}  // namespace astropixel::tiles
