#include "tiles/resample.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace astropixel::tiles {

Taps triangle_taps(int in, int out) {
  double const scale = static_cast<double>(out) / in;
  double const radius = scale < 1 ? 1 / scale : 1;
  Taps t;
  // The open interval (centre - radius, centre + radius) holds at most ceil(2 radius) samples:
  // 2 when enlarging, 3 or 4 when reducing by up to 2. Fewer input samples than that: all of them.
  t.per = std::min(std::max(1, static_cast<int>(std::ceil(2 * radius))), in);
  t.first.resize(static_cast<std::size_t>(out));
  t.weight.assign(static_cast<std::size_t>(out) * t.per, 0);
  std::vector<double> w(static_cast<std::size_t>(t.per));
  for (int o = 0; o < out; ++o) {
    double const centre = (o + 0.5) / scale - 0.5;
    int const first = std::clamp(static_cast<int>(std::floor(centre - radius)) + 1, 0, in - t.per);
    t.first[o] = first;
    double sum = 0;
    for (int k = 0; k < t.per; ++k) {
      double d = std::abs(first + k - centre) / radius;
      w[k] = d < 1 ? 1 - d : 0;
      sum += w[k];
    }
    if (sum <= 0) {  // centre beyond the last pixel (can only happen by rounding): take the nearest
      w[std::clamp(static_cast<int>(std::lround(centre)) - first, 0, t.per - 1)] = 1, sum = 1;
    }
    // Rounded to fixed point through the running sum: each weight is the step between two rounded
    // partial sums, so the weights sum to exactly one (flat areas stay flat) and none is negative
    // (a sum of positive weights never leaves 0..255), however many taps share the rounding. (The
    // remainder given to the heaviest tap went negative when a reduction by thousands spread it
    // over thousands of taps of a few units each.)
    std::int16_t* q = &t.weight[static_cast<std::size_t>(o) * t.per];
    double running = 0;
    long before = 0;
    for (int k = 0; k < t.per; ++k) {
      running += w[k] / sum;
      long const after = k + 1 == t.per ? Taps::kOne : std::lround(running * Taps::kOne);
      q[k] = static_cast<std::int16_t>(after - before);
      before = after;
    }
  }
  return t;
}

namespace {

// Rows: each output row is a weighted sum of `per` input rows, over the whole row at once (the
// loop compilers vectorise). The result keeps 8 bits below the integer level.
void resample_rows(Pixels const& in, Taps const& v, int height, std::uint16_t* mid, std::int32_t* acc) {
  std::size_t const stride = static_cast<std::size_t>(in.width) * in.bands;
  for (int y = 0; y < height; ++y) {
    std::fill_n(acc, stride, 0);
    std::int16_t const* w = &v.weight[static_cast<std::size_t>(y) * v.per];
    for (int k = 0; k < v.per; ++k) {
      std::int32_t const wk = w[k];
      if (wk == 0) continue;
      unsigned char const* src = in.data.data() + static_cast<std::size_t>(v.first[y] + k) * stride;
      for (std::size_t i = 0; i < stride; ++i) acc[i] += wk * src[i];
    }
    std::uint16_t* dst = mid + static_cast<std::size_t>(y) * stride;
    constexpr int kDrop = Taps::kShift - 8;
    for (std::size_t i = 0; i < stride; ++i)
      dst[i] = static_cast<std::uint16_t>((acc[i] + (1 << (kDrop - 1))) >> kDrop);
  }
}

// Columns of one row, for B bands and PER taps known at compile time (0: at run time): the inner
// loops unroll, with one accumulator per band. No clamp: the weights are positive and sum to one, so
// a sum never leaves 0..255.
template <int B, int PER>
void resample_columns(std::uint16_t const* src, Taps const& h, int width, unsigned char* dst) {
  int const per = PER > 0 ? PER : h.per;
  constexpr int kShift = Taps::kShift + 8;
  for (int x = 0; x < width; ++x) {
    std::int16_t const* w = &h.weight[static_cast<std::size_t>(x) * per];
    std::uint16_t const* s = src + static_cast<std::size_t>(h.first[x]) * B;
    std::int32_t acc[B] = {};
    for (int k = 0; k < per; ++k)
      for (int c = 0; c < B; ++c) acc[c] += static_cast<std::int32_t>(w[k]) * s[k * B + c];
    for (int c = 0; c < B; ++c)
      dst[x * B + c] = static_cast<unsigned char>((acc[c] + (1 << (kShift - 1))) >> kShift);
  }
}

#if defined(__SSE2__)
// The same sums for 3 or 4 bands, one pixel's bands in the lanes of a vector and two taps per
// multiply-add (pmaddwd, SSE2, which every x86-64 has): the scalar loop above was most of the
// resampler's time, the row pass being vectorised already. pmaddwd multiplies signed 16-bit
// numbers, and a sample of the row pass is up to 65280, so samples go in less 32768 (a XOR of the
// top bit) and, the weights summing to exactly kOne, 32768 × kOne is added back: the results are
// those of the scalar loop, bit for bit. Each load takes four samples: for 3 bands the fourth is
// the next pixel's (weighed by nothing), hence resample()'s one sample of padding after the rows.
template <int B, int PER>
void resample_columns_sse2(std::uint16_t const* src, Taps const& h, int width, unsigned char* dst) {
  static_assert(B == 3 || B == 4);
  int const per = PER > 0 ? PER : h.per;
  constexpr int kShift = Taps::kShift + 8;
  __m128i const flip = _mm_set1_epi16(static_cast<short>(0x8000));
  __m128i const zero = _mm_setzero_si128();
  __m128i const start = _mm_set1_epi32((32768 << Taps::kShift) + (1 << (kShift - 1)));
  auto load = [&flip](std::uint16_t const* p) {
    return _mm_xor_si128(_mm_loadl_epi64(reinterpret_cast<__m128i const*>(p)), flip);
  };
  auto pair = [](std::int16_t a, std::int16_t b) {
    return _mm_set1_epi32(static_cast<int>(
        static_cast<std::uint16_t>(a) | (static_cast<std::uint32_t>(static_cast<std::uint16_t>(b)) << 16)));
  };
  for (int x = 0; x < width; ++x) {
    std::int16_t const* w = &h.weight[static_cast<std::size_t>(x) * per];
    std::uint16_t const* s = src + static_cast<std::size_t>(h.first[x]) * B;
    __m128i acc = start;
    int k = 0;
    for (; k + 1 < per; k += 2)
      acc = _mm_add_epi32(acc, _mm_madd_epi16(_mm_unpacklo_epi16(load(s + k * B), load(s + (k + 1) * B)),
                                              pair(w[k], w[k + 1])));
    if (k < per)
      acc = _mm_add_epi32(acc, _mm_madd_epi16(_mm_unpacklo_epi16(load(s + k * B), zero), pair(w[k], 0)));
    __m128i v = _mm_srai_epi32(acc, kShift);
    v = _mm_packs_epi32(v, v);
    v = _mm_packus_epi16(v, v);
    auto const px = static_cast<std::uint32_t>(_mm_cvtsi128_si32(v));
    std::memcpy(dst + static_cast<std::size_t>(x) * B, &px, B);
  }
}
#endif

template <int B>
void resample_columns_any(std::uint16_t const* src, Taps const& h, int width, unsigned char* dst) {
#if defined(__SSE2__)
  if constexpr (B >= 3) {
    if (h.per == 2) return resample_columns_sse2<B, 2>(src, h, width, dst);
    if (h.per == 3) return resample_columns_sse2<B, 3>(src, h, width, dst);
    if (h.per == 4) return resample_columns_sse2<B, 4>(src, h, width, dst);
    return resample_columns_sse2<B, 0>(src, h, width, dst);
  }
#endif
  // 2 taps: enlarging, or one axis unchanged; 3 or 4: reducing by up to 2, the renderer's usual case.
  if (h.per == 2) return resample_columns<B, 2>(src, h, width, dst);
  if (h.per == 3) return resample_columns<B, 3>(src, h, width, dst);
  if (h.per == 4) return resample_columns<B, 4>(src, h, width, dst);
  resample_columns<B, 0>(src, h, width, dst);
}

}  // namespace

Pixels resample(Pixels const& in, int width, int height) {
  if (in.width == width && in.height == height) return in;
  auto const v = triangle_taps(in.height, height), h = triangle_taps(in.width, width);
  std::size_t const in_stride = static_cast<std::size_t>(in.width) * in.bands;
  // One sample of padding: the vector column pass reads four samples for a 3-band pixel.
  auto mid =
      std::make_unique_for_overwrite<std::uint16_t[]>(static_cast<std::size_t>(height) * in_stride + 1);
  mid[static_cast<std::size_t>(height) * in_stride] = 0;
  auto acc = std::make_unique_for_overwrite<std::int32_t[]>(in_stride);
  resample_rows(in, v, height, mid.get(), acc.get());
  Pixels out;
  out.width = width, out.height = height, out.bands = in.bands;
  std::size_t const out_stride = static_cast<std::size_t>(width) * in.bands;
  out.data.resize(static_cast<std::size_t>(height) * out_stride);
  for (int y = 0; y < height; ++y) {
    std::uint16_t const* src = mid.get() + static_cast<std::size_t>(y) * in_stride;
    unsigned char* dst = out.data.data() + static_cast<std::size_t>(y) * out_stride;
    switch (in.bands) {
      case 1:
        resample_columns_any<1>(src, h, width, dst);
        break;
      case 2:
        resample_columns_any<2>(src, h, width, dst);
        break;
      case 3:
        resample_columns_any<3>(src, h, width, dst);
        break;
      default:
        resample_columns_any<4>(src, h, width, dst);
        break;
    }
  }
  return out;
}

}  // namespace astropixel::tiles
