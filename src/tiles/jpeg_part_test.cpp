#include "tiles/jpeg_part.hpp"

#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

namespace astropixel::tiles {
namespace {

// A smooth image with a little noise, encoded as the pyramid's tiles are (4:2:0 for colour), and
// TurboJPEG's decoding of all of it: the reference a part is compared with.
struct Tile {
  int width, height, bands;
  std::vector<unsigned char> jpeg, whole;

  Tile(int w, int h, int b) : width(w), height(h), bands(b) {
    std::mt19937 rng(static_cast<unsigned>(w * 7 + h + b));
    std::vector<unsigned char> px(static_cast<std::size_t>(w) * h * b);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < b; ++c)
          px[(static_cast<std::size_t>(y) * w + x) * b + c] = static_cast<unsigned char>(
              std::clamp(120 + 80 * std::sin(x * 0.07 + c) * std::cos(y * 0.05) + static_cast<int>(rng() % 9),
                         0.0, 255.0));
    tjhandle tj = tjInitCompress();
    unsigned char* buf = nullptr;
    unsigned long size = 0;
    EXPECT_EQ(tjCompress2(tj, px.data(), w, 0, h, b == 3 ? TJPF_RGB : TJPF_GRAY, &buf, &size,
                          b == 3 ? TJSAMP_420 : TJSAMP_GRAY, 85, 0),
              0);
    jpeg.assign(buf, buf + size);
    tjFree(buf);
    tjDestroy(tj);
    tj = tjInitDecompress();
    whole.resize(px.size());
    EXPECT_EQ(
        tjDecompress2(tj, jpeg.data(), jpeg.size(), whole.data(), w, 0, h, b == 3 ? TJPF_RGB : TJPF_GRAY, 0),
        0);
    tjDestroy(tj);
  }
};

TEST(JpegPart, EqualsTheWholeDecodingCroppedByteForByte) {
  for (auto [w, h, b] : {std::tuple{256, 256, 3}, std::tuple{200, 137, 3}, std::tuple{256, 256, 1}}) {
    Tile t(w, h, b);
    std::mt19937 rng(5);
    double total = 0;
    std::size_t n = 0;
    int worst = 0;
    for (int i = 0; i < 60; ++i) {
      unsigned x0 = rng() % w, y0 = rng() % h;
      unsigned x1 = x0 + 1 + rng() % (w - x0), y1 = y0 + 1 + rng() % (h - y0);
      if (i == 0) x0 = 0, y0 = 0, x1 = w, y1 = h;    // the whole tile
      if (i % 5 == 1) x0 = 0, x1 = 1 + i % 2;        // a column or two at the left edge
      if (i % 5 == 2) x1 = w, x0 = w - 1 - i % 2;    // at the right edge
      std::size_t const stride = (x1 - x0) * b + 5;  // rows apart by more than their width
      std::vector<unsigned char> out(stride * (y1 - y0), 0xAB);
      ASSERT_TRUE(decode_jpeg_part(t.jpeg, b, x0, y0, x1, y1, out.data(), stride)) << x0 << "," << y0;
      for (unsigned y = y0; y < y1; ++y) {
        for (unsigned x = x0; x < x1; ++x)
          for (int c = 0; c < b; ++c) {
            int d = std::abs(out[(y - y0) * stride + (x - x0) * b + c] - t.whole[(y * w + x) * b + c]);
            worst = std::max(worst, d), total += d, ++n;
          }
        for (std::size_t k = (x1 - x0) * b; k < stride; ++k) EXPECT_EQ(out[(y - y0) * stride + k], 0xAB);
      }
    }
    SCOPED_TRACE(::testing::Message() << w << "x" << h << " bands " << b << " worst " << worst);
    // Byte for byte (without the crop's margin column, colour parts were up to 5 levels off at
    // their left and right edges: chroma upsampling has no neighbour at a crop's edge).
    EXPECT_EQ(worst, 0) << "mean difference " << total / static_cast<double>(n);
  }
}

TEST(JpegPart, RefusesWhatItCannotDecode) {
  Tile t(64, 48, 3);
  std::vector<unsigned char> out(64 * 48 * 3);
  EXPECT_EQ(decode_jpeg_part(t.jpeg, 3, 0, 0, 65, 10, out.data(), 64 * 3).error().code,
            ErrorCode::unprocessable);
  EXPECT_EQ(decode_jpeg_part(t.jpeg, 3, 5, 5, 5, 10, out.data(), 64 * 3).error().code,
            ErrorCode::unprocessable);
  std::vector<unsigned char> junk(500, 0x42);
  EXPECT_FALSE(decode_jpeg_part(junk, 3, 0, 0, 10, 10, out.data(), 64 * 3));
  EXPECT_FALSE(decode_jpeg_part({}, 3, 0, 0, 10, 10, out.data(), 64 * 3));
  // A damaged stream (the entropy-coded data overwritten) is an error or decodes what is there:
  // never a crash or a read outside the buffer.
  auto damaged = t.jpeg;
  for (std::size_t i = damaged.size() / 2; i < damaged.size() - 2; ++i) damaged[i] = 0xFF;
  (void)decode_jpeg_part(damaged, 3, 0, 0, 64, 48, out.data(), 64 * 3);
  // Truncated: decodes what is there, as vips does.
  std::vector<unsigned char> cut(t.jpeg.begin(), t.jpeg.begin() + static_cast<long>(t.jpeg.size() * 2 / 3));
  EXPECT_TRUE(decode_jpeg_part(cut, 3, 0, 0, 64, 48, out.data(), 64 * 3));
}

}  // namespace
}  // namespace astropixel::tiles
