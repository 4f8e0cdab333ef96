#include "pyramid/png_reader.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <vips/vips8>

#include "core/ids.hpp"
#include "pyramid/read_ahead.hpp"
#include "pyramid/source.hpp"

namespace astropixel::pyramid {
namespace {

namespace fs = std::filesystem;

// A noisy image of `bands` bands (noise: the PNG filters and deflate see realistic data).
vips::VImage noise(int width, int height, int bands) {
  auto image = vips::VImage::gaussnoise(width, height, vips::VImage::option()->set("sigma", 60.0)) + 128;
  vips::VImage out = image;
  for (int b = 1; b < bands; ++b) out = out.bandjoin(image * (0.5 + 0.1 * b) + b * 10);
  return out.cast(VIPS_FORMAT_UCHAR);
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("png-reader-" + random_hex(8));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

// The file's rows as libvips' loader gives them (what the build used before the fast path).
std::vector<unsigned char> vips_pixels(fs::path const& file) {
  auto image = vips::VImage::new_from_file(file.c_str());
  std::size_t size = 0;
  auto* mem = static_cast<unsigned char*>(image.write_to_memory(&size));
  std::vector<unsigned char> out(mem, mem + size);
  g_free(mem);
  return out;
}

TEST(PngReader, GivesLibvipsPixelsForEveryBandCount) {
  init_image_library();
  TempDir dir;
  for (int bands = 1; bands <= 4; ++bands) {
    auto file = dir.path / ("b" + std::to_string(bands) + ".png");
    // 300 rows read in uneven pieces: row bookkeeping across calls.
    noise(257, 300, bands)
        .pngsave(file.c_str(), vips::VImage::option()->set("filter", VIPS_FOREIGN_PNG_FILTER_ALL));
    auto png = PngReader::open(file);
    ASSERT_TRUE(png) << bands;
    ASSERT_EQ(png->bands(), bands);
    std::vector<unsigned char> rows(static_cast<std::size_t>(257) * bands * 300);
    std::size_t row = static_cast<std::size_t>(257) * bands;
    for (std::uint32_t y = 0; y < 300;) {
      std::uint32_t n = std::min<std::uint32_t>(y % 2 ? 7 : 64, 300 - y);
      ASSERT_TRUE(png->read_rows(n, rows.data() + y * row));
      y += n;
    }
    EXPECT_EQ(rows, vips_pixels(file)) << bands << " bands";
  }
}

TEST(PngReader, LeavesToLibvipsWhatItWouldTransform) {
  init_image_library();
  TempDir dir;
  auto image = noise(64, 64, 3);
  image.pngsave((dir.path / "palette.png").c_str(), vips::VImage::option()->set("palette", true));
  image.pngsave((dir.path / "interlaced.png").c_str(), vips::VImage::option()->set("interlace", true));
  (image.cast(VIPS_FORMAT_USHORT) * 256)
      .cast(VIPS_FORMAT_USHORT)
      .copy(vips::VImage::option()->set("interpretation", VIPS_INTERPRETATION_RGB16))
      .pngsave((dir.path / "sixteen.png").c_str());
  EXPECT_FALSE(PngReader::open(dir.path / "palette.png"));
  EXPECT_FALSE(PngReader::open(dir.path / "interlaced.png"));
  EXPECT_FALSE(PngReader::open(dir.path / "sixteen.png"));
  EXPECT_FALSE(PngReader::open(dir.path / "missing.png"));
}

TEST(PngReader, TruncatedDataIsCorrupt) {
  init_image_library();
  TempDir dir;
  auto file = dir.path / "cut.png";
  noise(512, 512, 3).pngsave(file.c_str());
  fs::resize_file(file, fs::file_size(file) / 2);
  auto png = PngReader::open(file);
  ASSERT_TRUE(png);
  std::vector<unsigned char> rows(static_cast<std::size_t>(512) * 3 * 512);
  auto s = png->read_rows(512, rows.data());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().reason, "corrupt_image");
}

TEST(ReadAhead, HandsOutRowsInOrderWhateverTheChunks) {
  std::uint32_t next = 0;
  ReadAhead ahead(1000, 3, [&](std::uint32_t rows, unsigned char* out) -> Status {
    for (std::uint32_t r = 0; r < rows; ++r, ++next)
      std::memset(out + r * 3, static_cast<int>(next % 251), 3);
    return {};
  });
  std::vector<unsigned char> got(3000);
  std::uint32_t y = 0;
  for (std::uint32_t n : {256u, 1u, 300u, 443u}) {
    ASSERT_TRUE(ahead.read(y, n, got.data() + y * 3));
    y += n;
  }
  for (std::uint32_t r = 0; r < 1000; ++r) ASSERT_EQ(got[r * 3 + 2], r % 251) << r;
  EXPECT_FALSE(ahead.read(5, 1, got.data()));  // out of order
}

TEST(ReadAhead, ADecoderErrorReachesTheReader) {
  int calls = 0;
  ReadAhead ahead(1000, 1, [&](std::uint32_t, unsigned char*) -> Status {
    if (++calls == 2) return make_error(ErrorCode::unprocessable, "broken");
    return {};
  });
  std::vector<unsigned char> got(1000);
  ASSERT_TRUE(ahead.read(0, 100, got.data()));
  auto s = ahead.read(100, 100, got.data());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "broken");
}

TEST(ReadAhead, StopsWhenDestroyedBeforeTheEnd) {
  std::vector<unsigned char> got(100);
  ReadAhead ahead(1u << 30, 1, [](std::uint32_t, unsigned char*) -> Status { return {}; });
  ASSERT_TRUE(ahead.read(0, 100, got.data()));
  // The destructor must join a thread that would otherwise decode 2^30 rows.
}

}  // namespace
}  // namespace astropixel::pyramid
