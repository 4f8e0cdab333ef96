#pragma once
// Tiles of the data pyramid (docs/adr/0024-data-pyramid-and-live-stretch.md): the original values of
// one tile as float32, stored byte-shuffled (the four byte planes one after the other, so exponents
// and high mantissa bytes sit together) and compressed with zstd. And the 2×2 NaN-aware mean that makes each
// level from the one above.
#include <cstdint>
#include <span>
#include <string_view>
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

// Tiles of full-resolution band values of images without a data pyramid (ADR 0031): `bands`
// interleaved values per pixel. Integer samples take their own width: each band's plane, each value
// minus its left neighbour (mod 2^8 or 2^16, so exact), 16-bit ones as a low and a high byte plane,
// then zstd — for photographs near PNG's size, where float32 cost 20 times the JPEG tiles.
enum class ValueEncoding { u8, u16, f32 };
inline constexpr char const* kValueEncodings[] = {"u8-delta-zstd", "u16-delta-zstd", kDataEncoding};
char const* to_string(ValueEncoding e);
// Errors: unprocessable (corrupt_pack) for an unknown name.
Result<ValueEncoding> parse_value_encoding(std::string_view name);

// `values` (integers in range for u8/u16), rows `stride` floats apart. Errors: internal (zstd).
Status encode_value_tile(ValueEncoding encoding, float const* values, std::uint32_t width,
                         std::uint32_t height, int bands, std::size_t stride,
                         std::vector<unsigned char>& out);
// The same bytes of 8-bit samples as they are (rows `stride` bytes apart): u8 only.
Status encode_value_tile(unsigned char const* samples, std::uint32_t width, std::uint32_t height, int bands,
                         std::size_t stride, std::vector<unsigned char>& out);
// width × height × bands interleaved values. Errors: unprocessable (corrupt_pack).
Result<std::vector<float>> decode_value_tile(ValueEncoding encoding, std::span<unsigned char const> bytes,
                                             std::uint32_t width, std::uint32_t height, int bands);

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
