#include "pyramid/data_tile.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vips/vips8>

#include "core/ids.hpp"
#include "pyramid/builder.hpp"
#include "pyramid/pack.hpp"

namespace astropixel::pyramid {
namespace {

using vips::VImage;

TEST(DataTile, RoundTripsEveryBitIncludingNaN) {
  // A 3 × 2 window of a 5-wide strip: the stride is honoured and values come back bit for bit.
  std::vector<float> strip = {1.5f, -2.25f, 3e30f, 4, 5, std::nanf(""), 7, 1e-30f, -0.f, 10};
  std::vector<unsigned char> bytes;
  ASSERT_TRUE(encode_data_tile(strip.data() + 1, 3, 2, 5, bytes));
  auto back = decode_data_tile(bytes, 3, 2).value();
  std::vector<float> want = {-2.25f, 3e30f, 4, 7, 1e-30f, -0.f};
  ASSERT_EQ(back.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(std::memcmp(&back[i], &want[i], 4), 0) << i;
  // The wrong size, or bytes that are not a data tile: corrupt_pack, not garbage.
  EXPECT_EQ(decode_data_tile(bytes, 3, 3).error().reason, "corrupt_pack");
  std::vector<unsigned char> junk(40, 7);
  EXPECT_EQ(decode_data_tile(junk, 3, 2).error().reason, "corrupt_pack");
}

TEST(DataTile, ShrinkIsANanAwareMeanWithOddEdgesCountedTwice) {
  float nan = std::nanf("");
  std::vector<float> top = {1, 3, nan, nan, 10};
  std::vector<float> bottom = {5, 7, nan, 2, 20};
  std::vector<float> out(3);
  shrink_float_rows(top.data(), bottom.data(), 5, out.data());
  EXPECT_FLOAT_EQ(out[0], 4);   // (1 + 3 + 5 + 7) / 4
  EXPECT_FLOAT_EQ(out[1], 2);   // only 2 is valid
  EXPECT_FLOAT_EQ(out[2], 15);  // (10 + 10 + 20 + 20) / 4
  std::vector<float> blank = {nan, nan};
  shrink_float_rows(blank.data(), blank.data(), 2, out.data());
  EXPECT_TRUE(std::isnan(out[0]));
}

class DataPyramidTest : public ::testing::Test {
 protected:
  void SetUp() override {
    init_image_library();
    dir_ = std::filesystem::temp_directory_path() / ("ap-data-" + random_hex(6));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

// value(x, y) = x + 1000 y, exact in float32.
constexpr float value_at(std::uint32_t x, std::uint32_t y) {
  return static_cast<float>(x) + 1000.f * static_cast<float>(y);
}

TEST_F(DataPyramidTest, FloatSourcesKeepTheirValuesAndLiveTilesEqualTheBuiltOnes) {
  VImage xy = VImage::xyz(600, 300);
  auto src = dir_ / "float.tif";
  (xy[0] + xy[1] * 1000).cast(VIPS_FORMAT_FLOAT).write_to_file(src.c_str());
  BuildOptions options;
  options.format = TileFormat::png;
  options.stretch.kind = StretchKind::log;
  options.stretch.cuts = std::pair{100.0, 250000.0};
  PackWriter w(dir_ / "f.pack");
  ASSERT_TRUE(build(src, w, options).has_value());
  auto pack = PackReader::open(dir_ / "f.pack").value();
  ASSERT_TRUE(pack->has_data());
  auto const& g = pack->geometry();
  int top = g.max_level();

  // Full resolution: the original values, tile by tile.
  auto rect = g.tile(top, 2, 1);
  auto values = decode_data_tile(pack->data_tile(top, 2, 1).value(), rect.width, rect.height).value();
  ASSERT_EQ(values.size(), static_cast<std::size_t>(rect.width) * rect.height);
  for (std::uint32_t y = 0; y < rect.height; ++y) {
    for (std::uint32_t x = 0; x < rect.width; ++x) {
      ASSERT_EQ(values[y * rect.width + x], value_at(rect.x + x, rect.y + y)) << x << "," << y;
    }
  }
  // One level down: the mean of each 2×2 block; the odd-free sizes make it exact.
  auto low = decode_data_tile(pack->data_tile(top - 1, 0, 0).value(), 256, 150).value();
  EXPECT_FLOAT_EQ(low[0], (value_at(0, 0) + value_at(1, 0) + value_at(0, 1) + value_at(1, 1)) / 4);
  EXPECT_FLOAT_EQ(low[3 * 256 + 5],
                  (value_at(10, 6) + value_at(11, 6) + value_at(10, 7) + value_at(11, 7)) / 4);

  // The same stretch applied to the data tile gives the built display tile, pixel for pixel.
  std::vector<float> one{0};
  auto stretch = Stretch::fit(one, options.stretch).value();
  std::vector<unsigned char> mapped;
  int bands = map_values(values, stretch, false, mapped);
  auto shown = pack->tile(top, 2, 1).value();
  auto image = VImage::new_from_buffer(shown.data(), shown.size(), "");
  ASSERT_EQ(image.bands(), bands);
  std::size_t size = 0;
  auto* mem = static_cast<unsigned char*>(image.write_to_memory(&size));
  std::vector<unsigned char> decoded(mem, mem + size);
  g_free(mem);
  EXPECT_EQ(decoded, mapped);
}

TEST_F(DataPyramidTest, EightBitSourcesHaveNoDataPyramid) {
  auto src = dir_ / "grey.png";
  VImage::xyz(300, 200)[0].cast(VIPS_FORMAT_UCHAR).write_to_file(src.c_str());
  PackWriter w(dir_ / "g.pack");
  ASSERT_TRUE(build(src, w, BuildOptions{}).has_value());
  auto pack = PackReader::open(dir_ / "g.pack").value();
  EXPECT_FALSE(pack->has_data());
  EXPECT_EQ(pack->data_tile(pack->geometry().max_level(), 0, 0).error().code, ErrorCode::not_found);
}

// Band values (ADR 0031): every encoding gives back exactly what it was given, from a strided
// window of interleaved bands, including the extremes of each width; corrupt bytes are refused.
TEST(ValueTile, EveryEncodingRoundTripsExactly) {
  std::uint32_t const w = 37, h = 11, stride_px = 50;
  for (auto [encoding, top] : {std::pair{ValueEncoding::u8, 255.0f}, std::pair{ValueEncoding::u16, 65535.0f},
                               std::pair{ValueEncoding::f32, 3.25e38f}}) {
    for (int bands : {1, 3, 4}) {
      std::vector<float> values(std::size_t{stride_px} * h * static_cast<std::size_t>(bands));
      for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>((i * 7919) % 256);
      values[0] = top;
      values[1] = 0;
      auto const stride = std::size_t{stride_px} * static_cast<std::size_t>(bands);
      std::vector<unsigned char> bytes;
      ASSERT_TRUE(encode_value_tile(encoding, values.data(), w, h, bands, stride, bytes));
      auto back = decode_value_tile(encoding, bytes, w, h, bands).value();
      ASSERT_EQ(back.size(), std::size_t{w} * h * static_cast<std::size_t>(bands));
      for (std::uint32_t y = 0; y < h; ++y) {
        for (std::size_t x = 0; x < std::size_t{w} * static_cast<std::size_t>(bands); ++x)
          ASSERT_EQ(back[y * w * static_cast<std::size_t>(bands) + x], values[y * stride + x])
              << to_string(encoding);
      }
      EXPECT_EQ(parse_value_encoding(to_string(encoding)).value(), encoding);
      bytes.resize(bytes.size() / 2);
      EXPECT_EQ(decode_value_tile(encoding, bytes, w, h, bands).error().reason, "corrupt_pack");
    }
  }
  // 8-bit samples straight from a display strip equal the same values given as floats.
  std::vector<unsigned char> strip(3 * 20 * 4);
  std::vector<float> floats(strip.size());
  for (std::size_t i = 0; i < strip.size(); ++i) floats[i] = strip[i] = static_cast<unsigned char>(i * 31);
  std::vector<unsigned char> a, b;
  ASSERT_TRUE(encode_value_tile(strip.data(), 20, 4, 3, 60, a));
  ASSERT_TRUE(encode_value_tile(ValueEncoding::u8, floats.data(), 20, 4, 3, 60, b));
  EXPECT_EQ(a, b);
  EXPECT_FALSE(parse_value_encoding("u32-raw").has_value());
}

}  // namespace
}  // namespace astropixel::pyramid
