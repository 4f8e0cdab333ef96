#include "pyramid/builder.hpp"

#include <gtest/gtest.h>
#include <tiffio.h>

#include <bit>
#include <fstream>
#include <map>
#include <vips/vips8>

#include "core/ids.hpp"
#include "pyramid/pack.hpp"

namespace astropixel::pyramid {
namespace {

using vips::VImage;

struct MemorySink : TileSink {
  PyramidInfo info;
  std::map<std::tuple<int, std::uint32_t, std::uint32_t>, std::vector<unsigned char>> tiles;
  bool committed = false;
  std::uint64_t bytes = 0;
  Status begin(PyramidInfo const& i) override {
    info = i;
    return {};
  }
  Status put(int l, std::uint32_t c, std::uint32_t r, std::span<unsigned char const> b) override {
    tiles[{l, c, r}].assign(b.begin(), b.end());
    bytes += b.size();
    return {};
  }
  Status put_preview(std::span<unsigned char const> b) override {
    preview.assign(b.begin(), b.end());
    preview_first = tiles.empty();
    return {};
  }
  bool preview_first = false;  // put before any tile (ADR 0036)
  Status commit() override {
    committed = true;
    return {};
  }
  std::vector<unsigned char> preview;
  std::uint64_t bytes_written() const override { return bytes; }
};

class BuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    init_image_library();
    dir_ = std::filesystem::temp_directory_path() / ("ap-build-" + random_hex(6));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Pixel (x, y) = (x mod 256, y mod 256, (x + 2y) mod 256): every tile's content is predictable.
  std::filesystem::path synthetic(std::string const& name, int w, int h, int bands = 3) {
    VImage xy = VImage::xyz(w, h);
    VImage x = xy[0], y = xy[1];
    VImage r = x.remainder_const({256}), g = y.remainder_const({256}), b = (x + y * 2).remainder_const({256});
    VImage img = bands == 1 ? r : VImage::bandjoin({r, g, b});
    if (bands == 4) img = img.bandjoin(VImage::black(w, h) + 200);
    img = img.cast(VIPS_FORMAT_UCHAR);
    if (bands >= 3) img = img.copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
    auto path = dir_ / name;
    img.write_to_file(path.c_str());
    return path;
  }

  // The value of band `b` at (x, y).
  static int pixel(VImage const& img, int x, int y, int b) {
    std::size_t size = 0;
    auto* mem = static_cast<unsigned char*>(img.extract_area(x, y, 1, 1).write_to_memory(&size));
    int v = mem[b];
    g_free(mem);
    return v;
  }

  static VImage decode(std::vector<unsigned char> const& bytes) {
    return VImage::new_from_buffer(bytes.data(), bytes.size(), "");
  }

  std::filesystem::path dir_;
};

TEST_F(BuilderTest, PngTilesHoldExactlyTheSourcePixels) {
  auto src = synthetic("in.png", 600, 300);
  MemorySink sink;
  BuildOptions opts;
  opts.format = TileFormat::png;
  auto r = build(src, sink, opts).value();
  Geometry g(600, 300, 256);
  EXPECT_EQ(r.levels, g.level_count());
  EXPECT_EQ(r.tiles, g.tile_count());
  EXPECT_EQ(sink.tiles.size(), g.tile_count());
  EXPECT_TRUE(sink.committed);
  // Full resolution, an edge tile: cropped, never padded.
  auto edge = decode(sink.tiles.at({g.max_level(), 2, 1}));
  EXPECT_EQ(edge.width(), 600 - 512);
  EXPECT_EQ(edge.height(), 300 - 256);
  for (auto [x, y] : std::vector<std::pair<int, int>>{{0, 0}, {87, 43}, {10, 20}}) {
    int sx = 512 + x, sy = 256 + y;
    EXPECT_EQ(pixel(edge, x, y, 0), sx % 256);
    EXPECT_EQ(pixel(edge, x, y, 1), sy % 256);
    EXPECT_EQ(pixel(edge, x, y, 2), (sx + 2 * sy) % 256);
  }
  // One level down: the 2×2 average of the source.
  auto half = decode(sink.tiles.at({g.max_level() - 1, 0, 0}));
  EXPECT_EQ(half.width(), 256);
  EXPECT_EQ(half.height(), 150);
  // Source pixels (10..11, 14..15).
  EXPECT_EQ(pixel(half, 5, 7, 0), (10 + 11 + 10 + 11 + 2) / 4);
  EXPECT_EQ(pixel(half, 5, 7, 1), (14 + 14 + 15 + 15 + 2) / 4);
  // The 1×1 level exists.
  EXPECT_EQ(decode(sink.tiles.at({0, 0, 0})).width(), 1);
}

TEST_F(BuilderTest, JpegTilesAreCloseAndBuildsAreDeterministic) {
  auto src = synthetic("in.tif", 700, 520);
  MemorySink a, b;
  BuildOptions opts;
  ASSERT_TRUE(build(src, a, opts));
  opts.threads = 1;
  ASSERT_TRUE(build(src, b, opts));
  EXPECT_EQ(a.tiles, b.tiles) << "same input, same tiles, whatever the thread count";
  auto t = decode(a.tiles.at({10, 1, 1}));
  double diff = (t - VImage::new_from_file(src.c_str()).extract_area(256, 256, 256, 256)).abs().avg();
  EXPECT_LT(diff, 6.0);
}

TEST_F(BuilderTest, AlphaAndGreyInputs) {
  MemorySink grey, rgba;
  BuildOptions png;
  png.format = TileFormat::png;
  ASSERT_TRUE(build(synthetic("g.png", 300, 200, 1), grey, png));
  EXPECT_EQ(decode(grey.tiles.at({9, 0, 0})).bands(), 1);
  ASSERT_TRUE(build(synthetic("a.png", 300, 200, 4), rgba, png));
  auto t = decode(rgba.tiles.at({9, 0, 0}));
  EXPECT_EQ(t.bands(), 4);
  EXPECT_EQ(pixel(t, 3, 3, 3), 200);
  MemorySink jpeg;
  ASSERT_TRUE(build(synthetic("a2.png", 300, 200, 4), jpeg, BuildOptions{}));
  EXPECT_EQ(decode(jpeg.tiles.at({9, 0, 0})).bands(), 3) << "JPEG flattens alpha";
}

TEST_F(BuilderTest, WritesAPackThatReadsBack) {
  auto src = synthetic("in.png", 513, 257);
  auto pack_path = dir_ / "out.pack";
  PackWriter w(pack_path);
  auto r = build(src, w, BuildOptions{}).value();
  auto reader = PackReader::open(pack_path).value();
  EXPECT_EQ(reader->geometry().tile_count(), r.tiles);
  EXPECT_EQ(decode(reader->tile(10, 2, 1).value()).width(), 1);
}

TEST_F(BuilderTest, CancelLeavesNothing) {
  auto src = synthetic("in.png", 600, 1200);
  std::atomic<bool> cancel{false};
  {
    PackWriter w(dir_ / "c.pack");
    auto r = build(
        src, w, BuildOptions{}, [&](Progress const& p) { cancel = p.rows_done >= 256; }, &cancel);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code, ErrorCode::cancelled);
  }
  for (auto const& e : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().extension(), ".png") << "left behind: " << e.path();
  }
}

// A 16-bit image is read twice (statistics, then tiles): progress covers both passes in order, never
// goes backwards, ends at 100 %, and a cancel during the statistics pass stops it.
TEST_F(BuilderTest, SixteenBitProgressCoversTheStatisticsPass) {
  VImage xy = VImage::xyz(300, 700);
  auto src = dir_ / "deep.tif";
  (xy[0] * 200 + xy[1]).cast(VIPS_FORMAT_USHORT).write_to_file(src.c_str());
  MemorySink sink;
  std::vector<Progress> seen;
  auto r = build(src, sink, BuildOptions{}, [&](Progress const& p) { seen.push_back(p); });
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_GE(seen.size(), 6u);
  EXPECT_EQ(seen.front().stage, "statistics");
  EXPECT_EQ(seen.back().stage, "tiling");
  EXPECT_DOUBLE_EQ(seen.back().fraction(), 1.0);
  for (std::size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GE(seen[i].fraction(), seen[i - 1].fraction()) << i;
    EXPECT_EQ(seen[i].rows_total, 1400u);
  }
  // The statistics pass ends at half way.
  auto last_stats =
      std::find_if(seen.rbegin(), seen.rend(), [](auto const& p) { return p.stage == "statistics"; });
  EXPECT_DOUBLE_EQ(last_stats->fraction(), 0.5);

  std::atomic<bool> cancel{false};
  int calls = 0;
  MemorySink other;
  auto stopped = build(
      src, other, BuildOptions{},
      [&](Progress const& p) {
        ++calls;
        EXPECT_EQ(p.stage, "statistics");
        cancel = true;
      },
      &cancel);
  ASSERT_TRUE(stopped.has_error());
  EXPECT_EQ(stopped.error().code, ErrorCode::cancelled);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(other.tiles.empty());
}

TEST_F(BuilderTest, HostileInputsFailWithSpecificCodes) {
  MemorySink sink;
  auto text = dir_ / "notes.png";
  std::ofstream(text) << "this is not an image at all";
  EXPECT_EQ(build(text, sink, {}).error().reason, "unsupported_format");
  EXPECT_EQ(build(dir_ / "missing.png", sink, {}).error().code, ErrorCode::not_found);

  // Truncated: a real PNG cut in half.
  auto good = synthetic("whole.png", 800, 800);
  auto size = std::filesystem::file_size(good);
  std::filesystem::copy_file(good, dir_ / "cut.png");
  std::filesystem::resize_file(dir_ / "cut.png", size / 2);
  auto cut = build(dir_ / "cut.png", sink, {});
  ASSERT_TRUE(cut.has_error());
  EXPECT_EQ(cut.error().reason, "corrupt_image");

  // Pixel limit from the header, before decoding.
  BuildOptions small;
  small.max_pixels = 1000;
  EXPECT_EQ(build(good, sink, small).error().reason, "pixel_limit_exceeded");
}

TEST_F(BuilderTest, TiffFastPathMatchesThePngPathExactly) {
  BuildOptions png;
  png.format = TileFormat::png;
  for (int bands : {1, 3, 4}) {
    auto reference_src = synthetic("ref" + std::to_string(bands) + ".png", 700, 530, bands);
    MemorySink reference;
    ASSERT_TRUE(build(reference_src, reference, png));
    VImage img = VImage::new_from_file(reference_src.c_str());
    struct Variant {
      std::string name;
      vips::VOption* options;
    };
    std::vector<Variant> variants = {
        {"strip-none", VImage::option()},
        {"strip-deflate", VImage::option()->set("compression", VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE)},
        {"tiled-lzw", VImage::option()
                          ->set("tile", true)
                          ->set("tile_width", 128)
                          ->set("tile_height", 64)
                          ->set("compression", VIPS_FOREIGN_TIFF_COMPRESSION_LZW)},
        {"tiled-bigtiff", VImage::option()->set("tile", true)->set("bigtiff", true)},
    };
    for (auto& v : variants) {
      auto path = dir_ / (v.name + std::to_string(bands) + ".tif");
      img.tiffsave(path.c_str(), v.options);
      MemorySink out;
      ASSERT_TRUE(build(path, out, png)) << v.name;
      EXPECT_EQ(out.tiles, reference.tiles) << v.name << " bands " << bands;
    }
  }
}

TEST_F(BuilderTest, JpegCompressedTiffIsClose) {
  auto src = synthetic("j.png", 600, 400);
  auto path = dir_ / "jpeg.tif";
  VImage::new_from_file(src.c_str())
      .tiffsave(path.c_str(), VImage::option()
                                  ->set("compression", VIPS_FOREIGN_TIFF_COMPRESSION_JPEG)
                                  ->set("Q", 95)
                                  ->set("tile", true));
  MemorySink out;
  BuildOptions png;
  png.format = TileFormat::png;
  ASSERT_TRUE(build(path, out, png));
  auto t = decode(out.tiles.at({10, 1, 1}));
  double diff = (t - VImage::new_from_file(src.c_str()).extract_area(256, 256, 256, 144)).abs().avg();
  EXPECT_LT(diff, 4.0);
}

TEST_F(BuilderTest, TruncatedTiffFailsCleanly) {
  auto src = synthetic("t.png", 900, 900);
  // Uncompressed (one reader), and compressed (tiles and strips decoded by several threads).
  std::vector<std::pair<std::string, vips::VOption*>> variants = {
      {"plain", VImage::option()->set("tile", true)},
      {"deflate-tiles",
       VImage::option()->set("tile", true)->set("compression", VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE)},
      {"lzw-strips", VImage::option()->set("compression", VIPS_FOREIGN_TIFF_COMPRESSION_LZW)},
  };
  for (auto& [name, options] : variants) {
    auto path = dir_ / ("t-" + name + ".tif");
    VImage::new_from_file(src.c_str()).tiffsave(path.c_str(), options);
    std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
    MemorySink out;
    auto r = build(path, out, {});
    ASSERT_TRUE(r.has_error()) << name;
    EXPECT_EQ(r.error().reason, "corrupt_image") << name;
    EXPECT_FALSE(out.committed) << name;
  }
}

TEST_F(BuilderTest, PreviewIs512PxOnTheLongestSide) {
  MemorySink big, small;
  ASSERT_TRUE(build(synthetic("p.png", 3000, 1200), big, BuildOptions{}));
  auto p = decode(big.preview);
  EXPECT_EQ(p.width(), 512);
  EXPECT_NEAR(p.height(), 205, 1);
  ASSERT_TRUE(build(synthetic("s.png", 300, 200), small, BuildOptions{}));
  EXPECT_EQ(decode(small.preview).width(), 300) << "small images are not enlarged";
  auto pack_path = dir_ / "p.pack";
  {
    PackWriter w(pack_path);
    ASSERT_TRUE(build(synthetic("q.png", 1500, 900), w, BuildOptions{}));
  }
  EXPECT_EQ(decode(PackReader::open(pack_path).value()->preview().value()).width(), 512);
}

TEST_F(BuilderTest, EmbeddedProfilesAreConvertedToSrgb) {
  // Mid-tones tagged as Display P3 must be converted, not shown as if they were sRGB.
  VImage raw = (VImage::black(300, 200) + std::vector<double>{100, 150, 200}).cast(VIPS_FORMAT_UCHAR);
  raw = raw.copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
  VImage p3 = raw.icc_transform("p3", VImage::option()->set("input_profile", "srgb"));
  auto path = dir_ / "p3.png";
  p3.write_to_file(path.c_str());
  MemorySink out;
  BuildOptions png;
  png.format = TileFormat::png;
  ASSERT_TRUE(build(path, out, png));
  auto tile = decode(out.tiles.at({9, 0, 0}));
  VImage tagged = VImage::new_from_file(path.c_str());
  for (int b = 0; b < 3; ++b) {
    EXPECT_NEAR(pixel(tile, 10, 10, b), pixel(raw, 10, 10, b), 2) << "back to the sRGB original, band " << b;
  }
  EXPECT_GT(std::abs(pixel(tagged, 10, 10, 0) - pixel(raw, 10, 10, 0)) +
                std::abs(pixel(tagged, 10, 10, 2) - pixel(raw, 10, 10, 2)),
            4)
      << "the P3 numbers differ from sRGB, so the test can fail";
}

// The fields of an 8-bit grey (1 band) or RGB (3 bands) page written with libtiff.
void set_8bit_page(TIFF* t, std::uint32_t width, std::uint32_t height, int bands) {
  TIFFSetField(t, TIFFTAG_IMAGEWIDTH, width);
  TIFFSetField(t, TIFFTAG_IMAGELENGTH, height);
  TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, bands);
  TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField(t, TIFFTAG_PHOTOMETRIC, bands == 1 ? PHOTOMETRIC_MINISBLACK : PHOTOMETRIC_RGB);
  TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
}

// The preview a build writes first (ADR 0036) against the one made from the finished levels: the
// preview level's tiles (PNG: lossless) joined and resized as the builder resizes.
struct PreviewDiff {
  double mean = 0;
  int max = 0;
};
PreviewDiff compare_with_levels(
    std::vector<unsigned char> const& preview_bytes,
    std::map<std::tuple<int, std::uint32_t, std::uint32_t>, std::vector<unsigned char>> const& tiles,
    std::uint32_t width, std::uint32_t height) {
  Geometry g(width, height, 256);
  int const level = g.max_level() - std::countr_zero(preview_factor(width, height));
  auto const& first = tiles.at({level, 0, 0});
  int const bands = VImage::new_from_buffer(first.data(), first.size(), "").bands();
  VImage joined =
      VImage::black(static_cast<int>(g.level_width(level)), static_cast<int>(g.level_height(level)),
                    VImage::option()->set("bands", bands))
          .cast(VIPS_FORMAT_UCHAR);
  for (std::uint32_t r = 0; r < g.rows(level); ++r)
    for (std::uint32_t c = 0; c < g.cols(level); ++c) {
      auto const& t = tiles.at({level, c, r});
      joined = joined.insert(VImage::new_from_buffer(t.data(), t.size(), "").copy_memory(),
                             static_cast<int>(c * 256), static_cast<int>(r * 256));
    }
  joined = joined.resize(static_cast<double>(kPreviewSize) / std::max(joined.width(), joined.height()));
  VImage early = VImage::new_from_buffer(preview_bytes.data(), preview_bytes.size(), "");
  EXPECT_EQ(early.width(), joined.width());
  EXPECT_EQ(early.height(), joined.height());
  EXPECT_EQ(early.bands(), joined.bands());
  VImage diff = (early.cast(VIPS_FORMAT_INT) - joined.cast(VIPS_FORMAT_INT)).abs();
  return {diff.avg(), static_cast<int>(diff.max())};
}

// 16-bit data: the statistics pass reads every row, so the preview comes from it, before any tile,
// and looks like the one the levels would give (means stretched at half its scale, then halved).
TEST_F(BuilderTest, PreviewComesFirstFromTheStatisticsPass) {
  std::uint32_t const w = 2100, h = 900;  // preview scale 4: 525 px wide
  VImage xy = VImage::xyz(static_cast<int>(w), static_cast<int>(h));
  auto src = dir_ / "deep.tif";
  (xy[0] * 20 + xy[1] * 7 + (xy[0] * xy[1]).remainder_const({97}) * 50)
      .cast(VIPS_FORMAT_USHORT)
      .write_to_file(src.c_str());
  BuildOptions opts;
  opts.format = TileFormat::png;
  MemorySink sink;
  bool announced_before_tiles = false;
  auto r = build(src, sink, opts, [&](Progress const& p) {
    if (p.preview && p.tiles == 0) announced_before_tiles = true;
  });
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(sink.preview_first);
  EXPECT_TRUE(announced_before_tiles);
  auto d = compare_with_levels(sink.preview, sink.tiles, w, h);
  EXPECT_LT(d.mean, 0.75) << "max " << d.max;  // 0.24 and 4 when written
  EXPECT_LE(d.max, 6);
}

// An 8-bit strip TIFF of one row per strip: a row from the middle of each block of the preview's
// scale, read before the tiles.
TEST_F(BuilderTest, StripTiffPreviewComesFirstFromSampledRows) {
  std::uint32_t const w = 8192, h = 512;  // preview scale 16: 32 blocks of rows
  auto src = dir_ / "strips.tif";
  {
    TIFF* t = TIFFOpen(src.c_str(), "w");
    ASSERT_NE(t, nullptr);
    set_8bit_page(t, w, h, 3);
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 1);
    std::vector<unsigned char> row(w * 3);
    for (std::uint32_t y = 0; y < h; ++y) {
      for (std::uint32_t x = 0; x < w; ++x) {
        row[x * 3] = static_cast<unsigned char>(x / 32);
        row[x * 3 + 1] = static_cast<unsigned char>(y / 2);
        row[x * 3 + 2] = static_cast<unsigned char>(x / 64 + y / 8);
      }
      ASSERT_EQ(TIFFWriteScanline(t, row.data(), y, 0), 1);
    }
    TIFFClose(t);
  }
  BuildOptions opts;
  opts.format = TileFormat::png;
  MemorySink sink;
  ASSERT_TRUE(build(src, sink, opts));
  EXPECT_TRUE(sink.preview_first);
  auto d = compare_with_levels(sink.preview, sink.tiles, w, h);
  EXPECT_LT(d.mean, 0.5) << "max " << d.max;  // smooth: equal when written
  EXPECT_LE(d.max, 2);
}

// A pyramid TIFF (libvips' pyramid, as a cloud-optimised GeoTIFF has overviews): the preview comes
// from its overview page of the preview level's size, before any tile.
TEST_F(BuilderTest, PyramidTiffPreviewComesFromItsOverviewPage) {
  std::uint32_t const w = 2100, h = 900;  // preview level 525 × 225: the pyramid's third page
  auto src = dir_ / "pyramid.tif";
  VImage::new_from_file(synthetic("flat.png", static_cast<int>(w), static_cast<int>(h)).c_str())
      .tiffsave(src.c_str(), VImage::option()->set("tile", true)->set("pyramid", true));
  BuildOptions opts;
  opts.format = TileFormat::png;
  MemorySink sink;
  ASSERT_TRUE(build(src, sink, opts));
  EXPECT_TRUE(sink.preview_first);
  auto d = compare_with_levels(sink.preview, sink.tiles, w, h);
  EXPECT_LT(d.mean, 0.5) << "max " << d.max;  // libvips' pages average as the levels do: equal when written
  EXPECT_LE(d.max, 2);
}

// Only a page that says it is a reduced image of the first is taken for its overview: another image
// of the file (a mask, a thumbnail of something else) is not.
TEST_F(BuilderTest, AnOverviewPageMustSayItIsOne) {
  std::uint32_t const w = 1024, h = 512;
  auto write = [&](std::filesystem::path const& path, bool reduced) {
    TIFF* t = TIFFOpen(path.c_str(), "w");
    ASSERT_NE(t, nullptr);
    set_8bit_page(t, w, h, 1);  // tiled: no cheap rows
    TIFFSetField(t, TIFFTAG_TILEWIDTH, 256);
    TIFFSetField(t, TIFFTAG_TILELENGTH, 256);
    std::vector<unsigned char> tile(256 * 256, 40);
    for (std::uint32_t y = 0; y < h; y += 256)
      for (std::uint32_t x = 0; x < w; x += 256) ASSERT_GE(TIFFWriteTile(t, tile.data(), x, y, 0, 0), 0);
    ASSERT_TRUE(TIFFWriteDirectory(t));
    set_8bit_page(t, w / 2, h / 2, 1);
    if (reduced) TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_REDUCEDIMAGE);
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 16);
    std::vector<unsigned char> row(w / 2, 40);
    for (std::uint32_t y = 0; y < h / 2; ++y) ASSERT_EQ(TIFFWriteScanline(t, row.data(), y, 0), 1);
    TIFFClose(t);
  };
  for (bool reduced : {false, true}) {
    auto src = dir_ / (reduced ? "reduced.tif" : "other.tif");
    write(src, reduced);
    MemorySink sink;
    ASSERT_TRUE(build(src, sink, BuildOptions{}));
    EXPECT_EQ(sink.preview_first, reduced);
    EXPECT_EQ(decode(sink.preview).width(), 512);
  }
}

// Where an overview would cost a decode of its own, the preview comes at the end, as before.
TEST_F(BuilderTest, NoPreviewFirstWhereItWouldCostADecode) {
  auto png = synthetic("late.png", 2100, 900);
  MemorySink from_png;
  ASSERT_TRUE(build(png, from_png, BuildOptions{}));
  EXPECT_FALSE(from_png.preview_first);
  EXPECT_FALSE(from_png.preview.empty());
  auto tiled = dir_ / "tiled.tif";
  VImage::new_from_file(png.c_str()).tiffsave(tiled.c_str(), VImage::option()->set("tile", true));
  MemorySink from_tiles;
  ASSERT_TRUE(build(tiled, from_tiles, BuildOptions{}));
  EXPECT_FALSE(from_tiles.preview_first);
}

TEST(Shrink, OddEdgesAverageWithThemselves) {
  unsigned char top[3] = {10, 20, 30}, out[2];
  shrink_rows(top, top, 3, 1, out);
  EXPECT_EQ(out[0], 15);
  EXPECT_EQ(out[1], 30);
}

}  // namespace
}  // namespace astropixel::pyramid
