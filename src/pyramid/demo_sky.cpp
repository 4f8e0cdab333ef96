#include "pyramid/demo_sky.hpp"

#include <tiffio.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <vector>

namespace astropixel::pyramid {
namespace {

struct Star {
  float x, y, sigma, flux;
  float r, g, b;
};

// Smooth value noise in [0, 1) from an integer lattice hash.
float lattice(std::int64_t x, std::int64_t y, std::uint64_t seed) {
  std::uint64_t h = static_cast<std::uint64_t>(x) * 0x9E3779B97F4A7C15ull ^
                    static_cast<std::uint64_t>(y) * 0xC2B2AE3D27D4EB4Full ^ seed;
  h ^= h >> 31;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 27;
  return static_cast<float>(h >> 40) / static_cast<float>(1ull << 24);
}

float value_noise(float x, float y, std::uint64_t seed) {
  auto x0 = static_cast<std::int64_t>(std::floor(x)), y0 = static_cast<std::int64_t>(std::floor(y));
  float fx = x - static_cast<float>(x0), fy = y - static_cast<float>(y0);
  fx = fx * fx * (3 - 2 * fx);
  fy = fy * fy * (3 - 2 * fy);
  float a = lattice(x0, y0, seed), b = lattice(x0 + 1, y0, seed), c = lattice(x0, y0 + 1, seed),
        d = lattice(x0 + 1, y0 + 1, seed);
  return (a + (b - a) * fx) + ((c + (d - c) * fx) - (a + (b - a) * fx)) * fy;
}

float fbm(float x, float y, std::uint64_t seed) {
  float sum = 0, amp = 0.5f;
  for (int o = 0; o < 5; ++o) {
    sum += amp * value_noise(x, y, seed + static_cast<std::uint64_t>(o));
    x *= 2.03f;
    y *= 2.03f;
    amp *= 0.5f;
  }
  return sum;
}

}  // namespace

Status write_demo_sky(std::filesystem::path const& path, std::uint32_t width, std::uint32_t height,
                      std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u01(0, 1);
  // Star counts rise steeply toward faint magnitudes; a few bright ones carry wide halos.
  std::size_t count = static_cast<std::size_t>(width) * height / 1500;
  std::vector<Star> stars(count);
  for (auto& s : stars) {
    s.x = u01(rng) * static_cast<float>(width);
    s.y = u01(rng) * static_cast<float>(height);
    float m = std::pow(u01(rng), 6.0f);  // mostly faint
    s.flux = 0.15f + 4.0f * m;
    s.sigma = 0.7f + 2.8f * m;
    float t = u01(rng);  // colour: red dwarfs to blue giants
    s.r = 0.8f + 0.4f * (1 - t);
    s.g = 0.85f + 0.15f * std::sin(t * 3.14f);
    s.b = 0.7f + 0.6f * t;
  }
  std::sort(stars.begin(), stars.end(), [](Star const& a, Star const& b) { return a.y < b.y; });

  std::unique_ptr<TIFF, void (*)(TIFF*)> tif(TIFFOpen(path.c_str(), "w"), TIFFClose);
  if (!tif) return make_error(ErrorCode::unavailable, "Cannot write the demo image", path.string());
  TIFFSetField(tif.get(), TIFFTAG_IMAGEWIDTH, width);
  TIFFSetField(tif.get(), TIFFTAG_IMAGELENGTH, height);
  TIFFSetField(tif.get(), TIFFTAG_SAMPLESPERPIXEL, 3);
  TIFFSetField(tif.get(), TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField(tif.get(), TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
  TIFFSetField(tif.get(), TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tif.get(), TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
  TIFFSetField(tif.get(), TIFFTAG_ROWSPERSTRIP, 64);

  std::vector<float> row(static_cast<std::size_t>(width) * 3);
  std::vector<unsigned char> out(row.size());
  std::size_t first = 0;  // first star that may still reach the current row
  float cx = static_cast<float>(width) * 0.55f, cy = static_cast<float>(height) * 0.45f;
  float scale = static_cast<float>(std::max(width, height));
  for (std::uint32_t y = 0; y < height; ++y) {
    auto fy = static_cast<float>(y);
    for (std::uint32_t x = 0; x < width; ++x) {
      auto fx = static_cast<float>(x);
      // Emission nebula: hydrogen-red filaments with an oxygen-teal core, shaped by noise.
      float dx = (fx - cx) / scale, dy = (fy - cy) / scale;
      float radial = std::exp(-(dx * dx + dy * dy) * 9.0f);
      float n = fbm(fx / scale * 6, fy / scale * 6, seed);
      float neb = std::max(0.0f, n - 0.35f) * radial * 1.6f;
      float core = std::exp(-(dx * dx + dy * dy) * 60.0f) * std::max(0.0f, n - 0.25f);
      float* px = &row[static_cast<std::size_t>(x) * 3];
      px[0] = 0.02f + neb * 0.9f + core * 0.2f;
      px[1] = 0.025f + neb * 0.18f + core * 0.55f;
      px[2] = 0.04f + neb * 0.3f + core * 0.6f;
    }
    while (first < stars.size() && stars[first].y + 5 * stars[first].sigma < fy) ++first;
    for (std::size_t i = first; i < stars.size() && stars[i].y - 5 * stars[i].sigma <= fy; ++i) {
      auto const& s = stars[i];
      float reach = 5 * s.sigma, dy = fy - s.y;
      auto x0 = static_cast<std::int64_t>(std::max(0.0f, s.x - reach));
      auto x1 = static_cast<std::int64_t>(std::min(static_cast<float>(width - 1), s.x + reach));
      for (auto x = x0; x <= x1; ++x) {
        float dx = static_cast<float>(x) - s.x;
        float v = s.flux * std::exp(-(dx * dx + dy * dy) / (2 * s.sigma * s.sigma));
        float* px = &row[static_cast<std::size_t>(x) * 3];
        px[0] += v * s.r;
        px[1] += v * s.g;
        px[2] += v * s.b;
      }
    }
    for (std::size_t i = 0; i < row.size(); ++i) {
      // A soft asinh-like display curve, as an astronomer would stretch it.
      float v = std::asinh(row[i] * 6) / std::asinh(6.0f);
      out[i] = static_cast<unsigned char>(std::clamp(v, 0.0f, 1.0f) * 255.0f + 0.5f);
    }
    if (TIFFWriteScanline(tif.get(), out.data(), y, 0) < 0)
      return make_error(ErrorCode::unavailable, "Cannot write the demo image", path.string());
  }
  return {};
}

}  // namespace astropixel::pyramid
