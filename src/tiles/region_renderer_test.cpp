#include "tiles/region_renderer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <vips/vips8>

#include "core/ids.hpp"
#include "pyramid/builder.hpp"
#include "pyramid/pack.hpp"
#include "pyramid/source.hpp"
#include "tiles/iiif.hpp"
#include "tiles/tile_service.hpp"

namespace astropixel::tiles {
namespace {

using vips::VImage;

// A smooth image (so JPEG's losses stay small; mean error below 3 of 255) in a pack built by the real pyramid
// builder.
struct Fixture {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("region-" + random_hex(6));
  VImage source;
  std::unique_ptr<pyramid::PackReader> pack;

  Fixture(int bands, pyramid::TileFormat format) {
    pyramid::init_image_library();
    std::filesystem::create_directories(dir);
    VImage xy = VImage::xyz(1000, 700);
    VImage x = xy.extract_band(0), y = xy.extract_band(1);
    // Gradients plus waves of 40 px: a pixel's shift or a misplaced tile shows in the mean error.
    VImage wave = (x * 9).sin() * 40 + (y * 9).cos() * 40;
    VImage rgb = (x * 0.1 + wave + 90).bandjoin(y * 0.2 + 40).bandjoin(wave + 120);
    source = (bands == 1 ? rgb.extract_band(0) : rgb).cast(VIPS_FORMAT_UCHAR).copy_memory();
    source.write_to_file((dir / "source.png").c_str());
    pyramid::PackWriter sink(dir / "p.pack");
    pyramid::BuildOptions options;
    options.format = format;
    options.quality = 95;
    EXPECT_TRUE(pyramid::build(dir / "source.png", sink, options).has_value());
    pack = pyramid::PackReader::open(dir / "p.pack").value();
  }
  ~Fixture() { std::filesystem::remove_all(dir); }

  // Mean absolute difference between our answer and vips' own crop and resize of the source.
  double error(std::string_view region, std::string_view size, int x, int y, int w, int h,
               std::string_view rotation = "0") {
    auto req = iiif::parse_image_request(1000, 700, iiif::kLimits, region, size, rotation, "default", "jpg");
    EXPECT_TRUE(req.has_value());
    auto drawn = render_region(*pack, *req);
    EXPECT_TRUE(drawn.has_value());
    if (!drawn) return 1e9;
    EXPECT_EQ(drawn->content_type, "image/jpeg");
    VImage got = VImage::new_from_buffer(drawn->bytes.data(), drawn->bytes.size(), "");
    EXPECT_EQ(got.width(), static_cast<int>(req->width));
    EXPECT_EQ(got.height(), static_cast<int>(req->height));
    EXPECT_EQ(got.bands(), source.bands());
    VImage want = source.extract_area(x, y, w, h);
    want = want.resize(static_cast<double>(req->width) / w,
                       VImage::option()->set("vscale", static_cast<double>(req->height) / h));
    if (rotation == "!0") want = want.flip(VIPS_DIRECTION_HORIZONTAL);
    if (got.width() != want.width() || got.height() != want.height()) return 1e9;
    return (got.cast(VIPS_FORMAT_FLOAT) - want.cast(VIPS_FORMAT_FLOAT)).abs().avg();
  }
};

TEST(RegionRenderer, JpegTilesAcrossTileEdgesAndLevels) {
  Fixture f(3, pyramid::TileFormat::jpeg);
  EXPECT_LT(f.error("100,50,700,600", "350,", 100, 50, 700, 600), 3.0);        // a coarser level, 4 tiles
  EXPECT_LT(f.error("600,400,400,300", "400,", 600, 400, 400, 300), 3.0);      // full resolution, image edge
  EXPECT_LT(f.error("full", "500,", 0, 0, 1000, 700), 3.0);                    // a coarser level, whole
  EXPECT_LT(f.error("250,250,300,200", "pct:77", 250, 250, 300, 200), 3.0);    // an odd scale
  EXPECT_LT(f.error("10,10,90,60", "^180,", 10, 10, 90, 60), 3.0);             // enlarged
  EXPECT_LT(f.error("100,50,700,600", "350,", 100, 50, 700, 600, "!0"), 3.0);  // mirrored: vips' path
  EXPECT_LT(f.error("full", "^1500,", 0, 0, 1000, 700), 3.0);   // over a megapixel out: vips' path
  EXPECT_LT(f.error("full", "600,500", 0, 0, 1000, 700), 3.0);  // distorted: each axis its own scale
}

// rotationArbitrary: the answer is the rotated image's bounding box, turned clockwise, transparent
// outside the image in PNG. Each source pixel p (of the resized region) is looked up where a
// clockwise turn about the centre puts it; turned the other way, the points land far off.
TEST(RegionRenderer, ArbitraryRotationTurnsClockwiseInsideItsBoundingBox) {
  Fixture f(3, pyramid::TileFormat::jpeg);
  auto req = iiif::parse_image_request(1000, 700, iiif::kLimits, "full", "500,", "30", "default", "png");
  ASSERT_TRUE(req);
  auto drawn = render_region(*f.pack, *req);
  ASSERT_TRUE(drawn);
  EXPECT_EQ(drawn->content_type, "image/png");
  VImage got = VImage::new_from_buffer(drawn->bytes.data(), drawn->bytes.size(), "");
  double const a = 30 * M_PI / 180, w = 500, h = 350;
  EXPECT_NEAR(got.width(), w * std::cos(a) + h * std::sin(a), 2);   // 608
  EXPECT_NEAR(got.height(), w * std::sin(a) + h * std::cos(a), 2);  // 553
  ASSERT_EQ(got.bands(), 4);
  EXPECT_EQ(got.getpoint(0, 0)[3], 0);  // a corner outside the image
  EXPECT_EQ(got.getpoint(got.width() / 2, got.height() / 2)[3], 255);
  VImage want = f.source.resize(0.5);
  auto error_turned = [&](double sign) {
    double sum = 0;
    int n = 0;
    for (int y = 40; y < 310; y += 15) {
      for (int x = 40; x < 460; x += 15) {
        double dx = x + 0.5 - w / 2, dy = y + 0.5 - h / 2;
        double qx = got.width() / 2.0 + dx * std::cos(a) - sign * dy * std::sin(a);
        double qy = got.height() / 2.0 + sign * dx * std::sin(a) + dy * std::cos(a);
        auto g = got.getpoint(static_cast<int>(qx), static_cast<int>(qy));
        auto e = want.getpoint(x, y);
        for (int b = 0; b < 3; ++b) sum += std::abs(g[b] - e[b]);
        n += 3;
      }
    }
    return sum / n;
  };
  EXPECT_LT(error_turned(1), 6.0);    // clockwise
  EXPECT_GT(error_turned(-1), 15.0);  // not counter-clockwise
  // JPEG has no alpha: the corners are black, the bands those of the image.
  auto jpeg = iiif::parse_image_request(1000, 700, iiif::kLimits, "full", "500,", "!30", "default", "jpg");
  auto drawn_jpeg = render_region(*f.pack, *jpeg);
  ASSERT_TRUE(drawn_jpeg);
  VImage j = VImage::new_from_buffer(drawn_jpeg->bytes.data(), drawn_jpeg->bytes.size(), "");
  EXPECT_EQ(j.bands(), 3);
  EXPECT_LT(j.getpoint(0, 0)[0], 8);
}

TEST(RegionRenderer, GreyTilesGiveGreyAnswers) {
  Fixture f(1, pyramid::TileFormat::jpeg);
  EXPECT_LT(f.error("100,50,700,600", "350,", 100, 50, 700, 600), 3.0);
}

// With a cache of decoded tiles the answers are the same bytes as without; a tile at least half
// inside a region is decoded whole and kept, so the same region again decodes nothing, and a tile
// mostly outside is decoded in part each time.
TEST(RegionRenderer, DecodedTilesAreKeptAndChangeNoAnswer) {
  for (int bands : {3, 1}) {
    Fixture f(bands, pyramid::TileFormat::jpeg);
    DecodedTileCache cache(64 << 20);
    auto draw = [&](std::string_view region, std::string_view size, DecodedTileCache* c) {
      auto req = iiif::parse_image_request(1000, 700, iiif::kLimits, region, size, "0", "default", "jpg");
      EXPECT_TRUE(req.has_value());
      auto drawn = render_region(*f.pack, *req, c, "pack.1");
      EXPECT_TRUE(drawn.has_value());
      return drawn ? drawn->bytes : std::vector<unsigned char>{};
    };
    // Full resolution (256-px tiles): 0,0,512,512 covers four tiles whole.
    auto const plain = draw("0,0,512,512", "400,", nullptr);
    EXPECT_EQ(draw("0,0,512,512", "400,", &cache), plain);
    EXPECT_EQ(cache.stats().misses, 4u);
    EXPECT_EQ(cache.stats().hits, 0u);
    EXPECT_EQ(cache.stats().entries, 4u);
    EXPECT_EQ(draw("0,0,512,512", "400,", &cache), plain);
    EXPECT_EQ(cache.stats().hits, 4u);
    EXPECT_EQ(cache.stats().misses, 4u);
    // 520,0,300,256: tile 2 (512..767) is all but 8 columns inside, tile 3 (768..) 52 of 232.
    auto const edge = draw("520,0,300,256", "200,", nullptr);
    EXPECT_EQ(draw("520,0,300,256", "200,", &cache), edge);
    EXPECT_EQ(draw("520,0,300,256", "200,", &cache), edge);
    EXPECT_EQ(cache.stats().hits, 5u);
    EXPECT_EQ(cache.stats().misses, 7u);
    EXPECT_EQ(cache.stats().entries, 5u);
    // Other regions, levels and scales, drawn twice (from the tiles decoded so far, then from more).
    for (auto [region, size] : {std::pair{"100,50,700,600", "350,"},
                                {"600,400,400,300", "400,"},
                                {"full", "500,"},
                                {"250,250,300,200", "pct:77"},
                                {"10,10,90,60", "^180,"},
                                {"full", "600,500"}}) {
      auto const want = draw(region, size, nullptr);
      EXPECT_EQ(draw(region, size, &cache), want) << region << " " << size;
      EXPECT_EQ(draw(region, size, &cache), want) << region << " " << size;
    }
  }
}

TEST(RegionRenderer, PngTilesTakeTheVipsPath) {
  Fixture f(3, pyramid::TileFormat::png);
  EXPECT_LT(f.error("100,50,700,600", "350,", 100, 50, 700, 600), 3.0);
  EXPECT_LT(f.error("600,400,400,300", "400,", 600, 400, 400, 300), 3.0);
}

// The render pool weighs a render by the whole tiles it decodes plus the pixels it draws.
TEST(RegionRenderer, ACostIsTheTilesReadAndThePixelsDrawn) {
  Fixture f(3, pyramid::TileFormat::jpeg);
  auto const& g = f.pack->geometry();
  ASSERT_EQ(g.tile_size(), 256u);
  auto req = [](std::string_view region, std::string_view size, std::string_view rotation = "0") {
    return iiif::parse_image_request(1000, 700, iiif::kLimits, region, size, rotation, "default", "jpg")
        .value();
  };
  // 1000x700 at 500 wide: the level of half size, 500x350, is 2x2 tiles.
  EXPECT_EQ(plan_region(g, req("full", "500,")).level, g.max_level() - 1);
  EXPECT_EQ(render_pixels(g, req("full", "500,")), 4u * 256 * 256 + 500 * 350);
  // One tile's worth at full resolution, inside one tile.
  EXPECT_EQ(render_pixels(g, req("10,10,200,200", "200,")), 256u * 256 + 200 * 200);
  // An arbitrary angle draws the bounding box: counted twice the answer.
  EXPECT_EQ(render_pixels(g, req("10,10,200,200", "200,", "30")), 256u * 256 + 2 * 200 * 200);
}

// A megapixel takes one place of the render pool's queue; a tile an eighth; the largest four.
TEST(RegionRenderer, WeightsInTheRenderPool) {
  auto const slot = http::BlockingPool::kSlot;
  EXPECT_EQ(render_weight(256 * 256 * 2), slot / 8);
  EXPECT_EQ(render_weight(1u << 20), slot);
  EXPECT_EQ(render_weight(3u << 19), slot * 3 / 2);
  EXPECT_EQ(render_weight(20u << 20), 4 * slot);
}

}  // namespace
}  // namespace astropixel::tiles
