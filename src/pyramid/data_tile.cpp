#include "pyramid/data_tile.hpp"

#include <zstd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "core/error_catalogue.hpp"

namespace astropixel::pyramid {

static_assert(std::endian::native == std::endian::little, "data tiles are little-endian float32");

namespace {

// One compression context and output buffer per thread, kept between tiles: ZSTD_compress makes
// and frees a context per call, and a fresh output vector the size of the bound is zero-filled per
// tile; the page faults and the filling were a tenth of a PNG build's CPU time and more of a JPEG
// build's (ADR 0033). `out` gets the same bytes as before. Returns the size or a zstd error code.
std::size_t compress_level1(unsigned char const* in, std::size_t size, std::vector<unsigned char>& out) {
  struct Context {
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    std::vector<unsigned char> buffer;
    ~Context() { ZSTD_freeCCtx(cctx); }
  };
  thread_local Context context;
  auto& buffer = context.buffer;
  buffer.resize(std::max(buffer.size(), ZSTD_compressBound(size)));
  std::size_t n = context.cctx ? ZSTD_compressCCtx(context.cctx, buffer.data(), buffer.size(), in, size, 1)
                               : ZSTD_compress(buffer.data(), buffer.size(), in, size, 1);
  if (!ZSTD_isError(n)) out.assign(buffer.data(), buffer.data() + n);
  return n;
}

// A per-thread scratch vector of at least `size` bytes, for planes that are wholly overwritten.
std::vector<unsigned char>& scratch(std::size_t size) {
  thread_local std::vector<unsigned char> bytes;
  if (bytes.size() < size) bytes.resize(size);
  return bytes;
}

}  // namespace

Status encode_data_tile(float const* values, std::uint32_t width, std::uint32_t height, std::size_t stride,
                        std::vector<unsigned char>& out) {
  std::size_t n = static_cast<std::size_t>(width) * height;
  auto& shuffled = scratch(n * 4);
  std::size_t i = 0;
  for (std::uint32_t y = 0; y < height; ++y) {
    auto const* row = values + y * stride;
    for (std::uint32_t x = 0; x < width; ++x, ++i) {
      unsigned char b[4];
      std::memcpy(b, row + x, 4);
      for (int k = 0; k < 4; ++k) shuffled[static_cast<std::size_t>(k) * n + i] = b[k];
    }
  }
  // zstd level 1: on shuffled noisy float32 it compresses as well as zlib level 1 (0.65 of raw)
  // at ~1.5 GB/s against ~55 MB/s, which made the data pyramid cost a build five times its time.
  if (ZSTD_isError(compress_level1(shuffled.data(), n * 4, out)))
    return make_error(ErrorCode::internal, "Cannot compress a data tile");
  return {};
}

Result<std::vector<float>> decode_data_tile(std::span<unsigned char const> bytes, std::uint32_t width,
                                            std::uint32_t height) {
  std::size_t n = static_cast<std::size_t>(width) * height;
  std::vector<unsigned char> shuffled(n * 4);
  std::size_t size = ZSTD_decompress(shuffled.data(), shuffled.size(), bytes.data(), bytes.size());
  if (ZSTD_isError(size) || size != shuffled.size()) {
    Error e = make_error(ErrorCode::unprocessable, "Corrupt pyramid pack", "bad data tile");
    e.reason = errc::corrupt_pack.code;
    return e;
  }
  std::vector<float> values(n);
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char b[4] = {shuffled[i], shuffled[n + i], shuffled[2 * n + i], shuffled[3 * n + i]};
    std::memcpy(&values[i], b, 4);
  }
  return values;
}

namespace {

Error corrupt_values() {
  Error e = make_error(ErrorCode::unprocessable, "Corrupt pyramid pack", "bad value tile");
  e.reason = errc::corrupt_pack.code;
  return e;
}

Status compress(unsigned char const* planes, std::size_t size, std::vector<unsigned char>& out) {
  if (ZSTD_isError(compress_level1(planes, size, out)))
    return make_error(ErrorCode::internal, "Cannot compress a value tile");
  return {};
}

// Integer samples → planes of left differences: plane (band, byte) holds width × height bytes.
template <typename Sample>
Status encode_integers(std::uint32_t width, std::uint32_t height, int bands, int bytes, Sample const& sample,
                       std::vector<unsigned char>& out) {
  std::size_t const n = static_cast<std::size_t>(width) * height;
  std::size_t const total = n * static_cast<std::size_t>(bands) * static_cast<std::size_t>(bytes);
  auto& planes = scratch(total);  // every byte is written below
  for (int b = 0; b < bands; ++b) {
    for (std::uint32_t y = 0; y < height; ++y) {
      std::uint32_t left = 0;
      for (std::uint32_t x = 0; x < width; ++x) {
        std::uint32_t v = sample(x, y, b);
        std::uint32_t d = v - left;
        left = v;
        std::size_t at = static_cast<std::size_t>(y) * width + x;
        for (int k = 0; k < bytes; ++k)
          planes[(static_cast<std::size_t>(b) * bytes + k) * n + at] =
              static_cast<unsigned char>(d >> (8 * k));
      }
    }
  }
  return compress(planes.data(), total, out);
}

}  // namespace

char const* to_string(ValueEncoding e) {
  return kValueEncodings[static_cast<int>(e)];
}

Result<ValueEncoding> parse_value_encoding(std::string_view name) {
  for (int i = 0; i < 3; ++i) {
    if (name == kValueEncodings[i]) return static_cast<ValueEncoding>(i);
  }
  return corrupt_values();
}

Status encode_value_tile(ValueEncoding encoding, float const* values, std::uint32_t width,
                         std::uint32_t height, int bands, std::size_t stride,
                         std::vector<unsigned char>& out) {
  auto const nb = static_cast<std::size_t>(bands);
  if (encoding == ValueEncoding::f32) return encode_data_tile(values, width * nb, height, stride, out);
  auto sample = [&](std::uint32_t x, std::uint32_t y, int b) {
    return static_cast<std::uint32_t>(values[y * stride + x * nb + static_cast<std::size_t>(b)]);
  };
  return encode_integers(width, height, bands, encoding == ValueEncoding::u8 ? 1 : 2, sample, out);
}

Status encode_value_tile(unsigned char const* samples, std::uint32_t width, std::uint32_t height, int bands,
                         std::size_t stride, std::vector<unsigned char>& out) {
  auto const nb = static_cast<std::size_t>(bands);
  auto sample = [&](std::uint32_t x, std::uint32_t y, int b) {
    return std::uint32_t{samples[y * stride + x * nb + static_cast<std::size_t>(b)]};
  };
  return encode_integers(width, height, bands, 1, sample, out);
}

Result<std::vector<float>> decode_value_tile(ValueEncoding encoding, std::span<unsigned char const> bytes,
                                             std::uint32_t width, std::uint32_t height, int bands) {
  auto const nb = static_cast<std::size_t>(bands);
  if (encoding == ValueEncoding::f32)
    return decode_data_tile(bytes, width * static_cast<std::uint32_t>(nb), height);
  int const size = encoding == ValueEncoding::u8 ? 1 : 2;
  std::size_t const n = static_cast<std::size_t>(width) * height;
  std::vector<unsigned char> planes(n * nb * static_cast<std::size_t>(size));
  std::size_t got = ZSTD_decompress(planes.data(), planes.size(), bytes.data(), bytes.size());
  if (ZSTD_isError(got) || got != planes.size()) return corrupt_values();
  std::uint32_t const mask = size == 1 ? 0xffu : 0xffffu;
  std::vector<float> values(n * nb);
  for (std::size_t b = 0; b < nb; ++b) {
    for (std::uint32_t y = 0; y < height; ++y) {
      std::uint32_t left = 0;
      for (std::uint32_t x = 0; x < width; ++x) {
        std::size_t at = static_cast<std::size_t>(y) * width + x;
        std::uint32_t d = 0;
        for (int k = 0; k < size; ++k)
          d |=
              std::uint32_t{
                  planes[(b * static_cast<std::size_t>(size) + static_cast<std::size_t>(k)) * n + at]}
              << (8 * k);
        left = (left + d) & mask;
        values[at * nb + b] = static_cast<float>(left);
      }
    }
  }
  return values;
}

void shrink_float_rows(float const* top, float const* bottom, std::uint32_t width, float* out) {
  std::uint32_t out_width = (width + 1) / 2;
  for (std::uint32_t x = 0; x < out_width; ++x) {
    std::uint32_t a = 2 * x, b = std::min(2 * x + 1, width - 1);
    // An odd edge counts its last column (and row) twice, as the display pyramid does.
    float const v[4] = {top[a], top[b], bottom[a], bottom[b]};
    float sum = 0;
    int count = 0;
    for (float f : v) {
      if (!std::isnan(f)) sum += f, ++count;
    }
    out[x] = count ? sum / static_cast<float>(count) : std::nanf("");
  }
}

void map_values_into(std::span<float const> values, Stretch const& stretch, bool alpha, unsigned char* out) {
  int const colours = stretch.colour_bands();
  if (colours == 1 && !alpha) {
    for (std::size_t i = 0; i < values.size(); ++i) out[i] = stretch.map(values[i]);
    return;
  }
  auto const& cmap = stretch.colormap();
  for (float v : values) {
    unsigned char level = stretch.map(v);
    if (colours == 1) {
      *out++ = level;
    } else {
      auto const* rgb = cmap.rgb(level);
      *out++ = rgb[0], *out++ = rgb[1], *out++ = rgb[2];
    }
    if (alpha) *out++ = std::isfinite(v) ? 255 : 0;
  }
}

int map_values(std::span<float const> values, Stretch const& stretch, bool alpha,
               std::vector<unsigned char>& out) {
  int const bands = stretch.colour_bands() + (alpha ? 1 : 0);
  out.resize(values.size() * static_cast<std::size_t>(bands));
  map_values_into(values, stretch, alpha, out.data());
  return bands;
}

}  // namespace astropixel::pyramid
