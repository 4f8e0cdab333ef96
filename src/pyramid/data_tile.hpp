#pragma once
// Tiles of the data pyramid (docs/adr/0024-data-pyramid-and-live-stretch.md): the original values of
// one tile as float32, stored byte-shuffled (the four byte planes one after the other, so exponents
// and high mantissa bytes sit together) and compressed with zstd. And the 2×2 NaN-aware mean that makes each
// level from the one above.
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "pyramid/stretch.hpp"

namespace astropixel::pyramid {

inline constexpr char const* kDataEncoding = "f32-shuffle-zstd";

// `width` × `height` values, rows `stride` floats apart. Errors: internal (zstd).
Status encode_data_tile(float const* values, std::uint32_t width, std::uint32_t height, std::size_t stride,
                        std::vector<unsigned char>& out);

// Exactly width × height values. Errors: unprocessable (corrupt_pack) when the bytes do not inflate to
// that many values.
Result<std::vector<float>> decode_data_tile(std::span<unsigned char const> bytes, std::uint32_t width,
                                            std::uint32_t height);

// A 2×2 mean of two rows (the second may be the first again at an odd bottom edge) into
// ceil(width / 2) values, ignoring NaN: NaN only where all four are NaN.
void shrink_float_rows(float const* top, float const* bottom, std::uint32_t width, float* out);

// The display pixels of values through a stretch, as the build makes them (Stretch::map, NaN → 0,
// then the stretch's colour map): grey or RGB, + alpha (blank → transparent) when `alpha`. Returns
// the band count (1-4).
int map_values(std::span<float const> values, Stretch const& stretch, bool alpha,
               std::vector<unsigned char>& out);
// The same into `out`, which holds values.size() × (stretch.colour_bands() + alpha) bytes.
void map_values_into(std::span<float const> values, Stretch const& stretch, bool alpha, unsigned char* out);

}  // namespace astropixel::pyramid
