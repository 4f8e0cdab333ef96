#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tiles/deep_zoom.hpp"
#include "tiles/iiif.hpp"
#include "tiles/xyz.hpp"

namespace astropixel::tiles {
namespace {

// 1000×600 at 256 px: level 10 is full resolution, level 8 (250×150) the first single tile.
pyramid::Geometry const g(1000, 600, 256);

TEST(Iiif, InfoDescribesTilesAndSizes) {
  auto info = boost::json::parse(iiif::info_json(g, "jpg", "http://h/iiif/3/abc")).as_object();
  EXPECT_EQ(info.at("id"), "http://h/iiif/3/abc");
  EXPECT_EQ(info.at("profile"), "level2");
  EXPECT_EQ(info.at("maxArea"), 2048 * 2048);
  EXPECT_EQ(info.at("extraFormats"), (boost::json::array{"webp", "tif"}));
  EXPECT_EQ(info.at("width"), 1000);
  auto tiles = info.at("tiles").as_array().at(0).as_object();
  EXPECT_EQ(tiles.at("width"), 256);
  EXPECT_EQ(tiles.at("scaleFactors"), (boost::json::array{1, 2, 4}));
  auto sizes = info.at("sizes").as_array();
  ASSERT_FALSE(sizes.empty());
  EXPECT_EQ(sizes.back().as_object().at("width"), 250);
  auto png = boost::json::parse(iiif::info_json(g, "png", "x")).as_object();
  EXPECT_EQ(png.at("preferredFormats"), (boost::json::array{"png"}));
}

TEST(Iiif, MapsRequestsOntoPrecutTiles) {
  auto t = [](std::string_view region, std::string_view size) {
    return iiif::precut_tile(g, "jpg", region, size, "0", "default", "jpg");
  };
  auto a = t("0,0,256,256", "256,").value();
  EXPECT_EQ(std::tuple(a.level, a.col, a.row), std::tuple(10, 0u, 0u));
  auto edge = t("768,512,232,88", "232,88").value();
  EXPECT_EQ(std::tuple(edge.level, edge.col, edge.row), std::tuple(10, 3u, 2u));
  auto half = t("512,0,488,512", "244,").value();
  EXPECT_EQ(std::tuple(half.level, half.col, half.row), std::tuple(9, 1u, 0u));
  auto full = t("full", "250,150").value();
  EXPECT_EQ(full.level, 8);
  EXPECT_EQ(t("full", "max").error().reason, "iiif_not_precut");          // not one tile at full size
  EXPECT_EQ(t("0,0,300,256", "300,").error().reason, "iiif_not_precut");  // not a tile boundary
  EXPECT_EQ(t("0,0,256,256", "128,").error().reason, "iiif_not_precut");  // would need resampling
  EXPECT_EQ(t("2000,0,10,10", "10,").error().code, ErrorCode::bad_request);
  EXPECT_EQ(t("a,0,10,10", "10,").error().code, ErrorCode::bad_request);
  EXPECT_EQ(iiif::precut_tile(g, "jpg", "0,0,256,256", "256,", "90", "default", "jpg").error().reason,
            "iiif_not_precut");
  EXPECT_EQ(iiif::precut_tile(g, "jpg", "0,0,256,256", "256,", "0", "default", "png").error().code,
            ErrorCode::not_found);
}

TEST(Xyz, ZoomZeroIsTheWholeImageInOneTile) {
  EXPECT_EQ(xyz::tile(g, 0, 0, 0).value().level, 8);
  EXPECT_EQ(xyz::tile(g, 2, 3, 2).value().level, 10);
  EXPECT_FALSE(xyz::tile(g, 3, 0, 0));
  EXPECT_FALSE(xyz::tile(g, 2, 4, 0));
  EXPECT_FALSE(xyz::tile(g, -1, 0, 0));
  EXPECT_FALSE(deep_zoom::tile(g, 11, 0, 0));
  EXPECT_TRUE(deep_zoom::tile(g, 0, 0, 0));
}

TEST(Dzi, DescribesSizeAndFormat) {
  auto xml = deep_zoom::dzi_xml(g, "png");
  EXPECT_NE(xml.find("Format=\"png\""), std::string::npos);
  EXPECT_NE(xml.find("TileSize=\"256\""), std::string::npos);
  EXPECT_NE(xml.find("<Size Width=\"1000\" Height=\"600\"/>"), std::string::npos);
}

}  // namespace
}  // namespace astropixel::tiles
