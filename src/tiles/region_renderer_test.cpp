#include "tiles/region_renderer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <vips/vips8>

#include "core/ids.hpp"
#include "pyramid/builder.hpp"
#include "pyramid/pack.hpp"
#include "pyramid/source.hpp"
#include "tiles/iiif.hpp"

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

TEST(RegionRenderer, GreyTilesGiveGreyAnswers) {
  Fixture f(1, pyramid::TileFormat::jpeg);
  EXPECT_LT(f.error("100,50,700,600", "350,", 100, 50, 700, 600), 3.0);
}

TEST(RegionRenderer, PngTilesTakeTheVipsPath) {
  Fixture f(3, pyramid::TileFormat::png);
  EXPECT_LT(f.error("100,50,700,600", "350,", 100, 50, 700, 600), 3.0);
  EXPECT_LT(f.error("600,400,400,300", "400,", 600, 400, 400, 300), 3.0);
}

}  // namespace
}  // namespace astropixel::tiles
