// The IIIF Image API 3.0 compliance list (regions, sizes, rotations, qualities, formats), case by
// case, on a 1000×600 image.
#include "tiles/iiif_request.hpp"

#include <gtest/gtest.h>

#include <tuple>

namespace astropixel::tiles::iiif {
namespace {

Limits const lim{4096, 4096, 2048 * 2048};

Result<ImageRequest> rq(std::string_view region, std::string_view size, std::string_view rotation = "0",
                        std::string_view quality = "default", std::string_view format = "jpg") {
  return parse_image_request(1000, 600, lim, region, size, rotation, quality, format);
}

auto region_of(ImageRequest const& r) {
  return std::tuple(r.x, r.y, r.w, r.h);
}
auto size_of(ImageRequest const& r) {
  return std::tuple(r.width, r.height);
}

TEST(IiifRequest, Regions) {
  EXPECT_EQ(region_of(rq("full", "max").value()), std::tuple(0u, 0u, 1000u, 600u));
  EXPECT_EQ(region_of(rq("square", "max").value()), std::tuple(200u, 0u, 600u, 600u));     // regionSquare
  EXPECT_EQ(region_of(rq("10,20,30,40", "max").value()), std::tuple(10u, 20u, 30u, 40u));  // regionByPx
  EXPECT_EQ(region_of(rq("pct:10,50,20,50", "max").value()),
            std::tuple(100u, 300u, 200u, 300u));  // regionByPct
  EXPECT_EQ(region_of(rq("900,500,500,500", "max").value()), std::tuple(900u, 500u, 100u, 100u));  // cropped
  EXPECT_EQ(rq("1000,0,10,10", "max").error().reason, "iiif_bad_request");  // wholly outside
  EXPECT_EQ(rq("0,0,0,10", "max").error().reason, "iiif_bad_request");      // empty
  EXPECT_EQ(rq("0,0,10", "max").error().reason, "iiif_bad_request");
  EXPECT_EQ(rq("-1,0,10,10", "max").error().reason, "iiif_bad_request");
  EXPECT_EQ(rq("pct:1e1,0,10,10", "max").error().reason, "iiif_bad_request");
}

TEST(IiifRequest, Sizes) {
  EXPECT_EQ(size_of(rq("full", "max").value()), std::tuple(1000u, 600u));
  EXPECT_EQ(size_of(rq("full", "500,").value()), std::tuple(500u, 300u));      // sizeByW
  EXPECT_EQ(size_of(rq("full", ",150").value()), std::tuple(250u, 150u));      // sizeByH
  EXPECT_EQ(size_of(rq("full", "pct:25").value()), std::tuple(250u, 150u));    // sizeByPct
  EXPECT_EQ(size_of(rq("full", "!500,500").value()), std::tuple(500u, 300u));  // sizeByConfinedWh
  EXPECT_EQ(size_of(rq("full", "!5000,300").value()), std::tuple(500u, 300u));
  EXPECT_EQ(size_of(rq("full", "!5000,5000").value()), std::tuple(1000u, 600u));    // never above the region
  EXPECT_EQ(size_of(rq("full", "300,500").value()), std::tuple(300u, 500u));        // sizeByWh (distorts)
  EXPECT_EQ(size_of(rq("10,10,100,50", "^200,").value()), std::tuple(200u, 100u));  // sizeUpscaling
  EXPECT_EQ(size_of(rq("10,10,100,50", "^pct:300").value()), std::tuple(300u, 150u));
  EXPECT_EQ(size_of(rq("10,10,100,50", "^!400,400").value()), std::tuple(400u, 200u));
  EXPECT_EQ(rq("10,10,100,50", "200,").error().reason, "iiif_bad_request");  // above the region without ^
  EXPECT_EQ(rq("10,10,100,50", "pct:101").error().reason, "iiif_bad_request");
  EXPECT_EQ(rq("full", "0,").error().reason, "iiif_bad_request");
  EXPECT_EQ(rq("full", "pct:0.01").error().reason, "iiif_bad_request");  // rounds to zero
  EXPECT_EQ(rq("full", ",").error().reason, "iiif_bad_request");
  EXPECT_EQ(rq("full", "full").error().reason, "iiif_bad_request");  // a 2.x form, not 3.0
  // ^max fills the limits; a plain request above them is refused, max shrinks to them.
  auto big = parse_image_request(100000, 1000, lim, "full", "max", "0", "default", "jpg").value();
  EXPECT_EQ(size_of(big), std::tuple(4096u, 40u));
  EXPECT_EQ(size_of(rq("10,10,100,50", "^max").value()), std::tuple(2896u, 1448u));
  EXPECT_EQ(parse_image_request(100000, 1000, lim, "full", "5000,", "0", "default", "jpg").error().reason,
            "iiif_too_large");
}

TEST(IiifRequest, RotationQualityFormat) {
  EXPECT_EQ(rq("full", "max", "90").value().rotation, 90);
  EXPECT_EQ(rq("full", "max", "270").value().rotation, 270);
  auto m = rq("full", "max", "!180").value();
  EXPECT_TRUE(m.mirror);
  EXPECT_EQ(m.rotation, 180);
  // rotationArbitrary: any decimal from 0 to 360; 360 is a whole turn; no sign, exponent or bare dot.
  EXPECT_EQ(rq("full", "max", "45").value().rotation, 45);
  EXPECT_FALSE(rq("full", "max", "45").value().right_angle());
  EXPECT_TRUE(rq("full", "max", "180").value().right_angle());
  EXPECT_EQ(rq("full", "max", "22.5").value().rotation, 22.5);
  EXPECT_EQ(rq("full", "max", "360").value().rotation, 0);
  for (auto bad : {"-5", "+5", "361", "360.5", "1e2", "0x10", ".5", "5.", "", "!", "nan", "inf", "1,5", "5 "})
    EXPECT_EQ(rq("full", "max", bad).error().reason, "iiif_bad_request") << bad;
  EXPECT_EQ(rq("full", "max", "0", "gray").value().quality, Quality::gray);
  EXPECT_EQ(rq("full", "max", "0", "bitonal").value().quality, Quality::bitonal);
  EXPECT_EQ(rq("full", "max", "0", "color").value().quality, Quality::color);
  EXPECT_EQ(rq("full", "max", "0", "grey").error().reason, "iiif_bad_request");
  for (auto f : {"jpg", "png", "webp", "tif"}) EXPECT_TRUE(rq("full", "max", "0", "default", f)) << f;
  EXPECT_EQ(rq("full", "max", "0", "default", "gif").error().reason, "iiif_bad_request");
  EXPECT_EQ(rq("full", "500,", "!90", "gray", "png").value().canonical(),
            "0,0,1000,600/500,300/!90/gray.png");
  // Canonical rotation: an integer when it is one, else a decimal without trailing zeros, to a
  // millionth of a degree (the spec's canonical form; one cache key for one answer).
  EXPECT_EQ(rq("full", "500,", "90.000").value().canonical(), "0,0,1000,600/500,300/90/default.jpg");
  EXPECT_EQ(rq("full", "500,", "22.50").value().canonical(), "0,0,1000,600/500,300/22.5/default.jpg");
  EXPECT_EQ(rq("full", "500,", "0.0000001").value().canonical(), "0,0,1000,600/500,300/0/default.jpg");
  EXPECT_EQ(rq("full", "500,", "359.9999999").value().canonical(), "0,0,1000,600/500,300/0/default.jpg");
  EXPECT_EQ(rq("full", "500,", "!0.25").value().canonical(), "0,0,1000,600/500,300/!0.25/default.jpg");
}

}  // namespace
}  // namespace astropixel::tiles::iiif
