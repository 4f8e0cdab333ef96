#include "tiles/iiif_manifest.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace astropixel::tiles::iiif {
namespace {

namespace json = boost::json;
using Shape = ShapeAnnotation::Shape;

ManifestSource source() {
  ManifestSource m;
  m.base = "https://h";
  m.ident = "abc";
  m.label = "M 31 \"Andromeda\"\nline two ☄ 銀河";
  m.summary = "<script>alert(1)</script>";
  m.metadata = {{"OBJECT", "M31"}, {"Format", "FITS"}};
  m.width = 1000;
  m.height = 600;
  m.service_id = "https://h/iiif/3/abc-v2";
  m.homepage = "https://h/datasets/abc";
  m.listed = true;
  m.annotations = {
      {"r1", Shape::rectangle, 10.4, 20.6, 30, 40, 0, {}, "a \"box\"", "#ff0000", 1700000000000, 0},
      {"p1", Shape::point, 5, 6, 0, 0, 0, {}, "star", "", 0, 0},
      {"c1", Shape::circle, 100, 100, 0, 0, 10.5, {}, "ring", "", 0, 0},
      {"g1", Shape::polygon, 0, 0, 0, 0, 0, {{{1, 2}}, {{30.25, 4}}, {{5, 60}}}, "tri", "#00ff00", 0, 0},
  };
  m.annotation_total = 4;
  return m;
}

json::object parse(std::string const& s) {
  return json::parse(s).as_object();
}

TEST(IiifManifest, HasThePresentationShape) {
  auto m = parse(manifest_json(source()));
  EXPECT_EQ(m.at("@context"), "http://iiif.io/api/presentation/3/context.json");
  EXPECT_EQ(m.at("id"), "https://h/iiif/3/abc/manifest");
  EXPECT_EQ(m.at("type"), "Manifest");
  auto const& canvas = m.at("items").as_array().at(0).as_object();
  EXPECT_EQ(canvas.at("type"), "Canvas");
  EXPECT_EQ(canvas.at("width"), 1000);
  EXPECT_EQ(canvas.at("height"), 600);
  auto const& painting = canvas.at("items").as_array().at(0).at("items").as_array().at(0).as_object();
  EXPECT_EQ(painting.at("motivation"), "painting");
  EXPECT_EQ(painting.at("target"), canvas.at("id"));
  auto const& body = painting.at("body").as_object();
  EXPECT_EQ(body.at("type"), "Image");
  auto const& service = body.at("service").as_array().at(0).as_object();
  EXPECT_EQ(service.at("id"), "https://h/iiif/3/abc-v2");
  EXPECT_EQ(service.at("type"), "ImageService3");
  EXPECT_EQ(service.at("profile"), "level2");
  // The thumbnail fits 256×256 without upscaling, drawn by the same service.
  auto const& thumb = m.at("thumbnail").as_array().at(0).as_object();
  EXPECT_EQ(thumb.at("id"), "https://h/iiif/3/abc-v2/full/!256,256/0/default.jpg");
  EXPECT_EQ(thumb.at("width"), 256);
  EXPECT_EQ(thumb.at("height"), 153);  // 600 × 256 / 1000, as the image service floors it
  EXPECT_EQ(m.at("partOf").as_array().at(0).at("id"), "https://h/iiif/3/collection");
  EXPECT_EQ(m.at("homepage").as_array().at(0).at("id"), "https://h/datasets/abc");
  // No rights statement or provider: we do not know the image's licence.
  EXPECT_FALSE(m.contains("rights"));
  EXPECT_FALSE(m.contains("provider"));
}

TEST(IiifManifest, KeepsHostileTextAsText) {
  auto m = parse(manifest_json(source()));
  EXPECT_EQ(m.at("label").at("none").as_array().at(0), "M 31 \"Andromeda\"\nline two ☄ 銀河");
  // A value starting with '<' and ending with '>' is HTML to IIIF clients: it goes out escaped.
  EXPECT_EQ(m.at("summary").at("none").as_array().at(0),
            "<span>&lt;script&gt;alert(1)&lt;/script&gt;</span>");
  auto const& meta = m.at("metadata").as_array().at(0).as_object();
  EXPECT_EQ(meta.at("label").at("en").as_array().at(0), "OBJECT");
  EXPECT_EQ(meta.at("value").at("none").as_array().at(0), "M31");
  EXPECT_EQ(plain_text("a < b > c"), "a < b > c");
  EXPECT_EQ(plain_text("<b>&</b>"), "<span>&lt;b&gt;&amp;&lt;/b&gt;</span>");
}

TEST(IiifManifest, AnnotationsAreWebAnnotationsWithSelectors) {
  auto m = parse(manifest_json(source()));
  auto const& canvas = m.at("items").as_array().at(0).as_object();
  auto canvas_id = std::string(canvas.at("id").as_string());
  auto const& page = canvas.at("annotations").as_array().at(0).as_object();
  EXPECT_EQ(page.at("type"), "AnnotationPage");
  EXPECT_EQ(page.at("id"), "https://h/iiif/3/abc/annotations/1");
  auto const& items = page.at("items").as_array();
  ASSERT_EQ(items.size(), 4u);
  auto const& rect = items.at(0).as_object();
  EXPECT_EQ(rect.at("type"), "Annotation");
  EXPECT_EQ(rect.at("motivation"), "commenting");
  EXPECT_EQ(rect.at("id"), "https://h/iiif/3/abc/annotation/r1");
  EXPECT_EQ(rect.at("body").at("type"), "TextualBody");
  EXPECT_EQ(rect.at("body").at("value"), "a \"box\"");
  EXPECT_EQ(rect.at("created"), "2023-11-14T22:13:20Z");
  // xywh is whole pixels covering the rectangle: 10.4..40.4 × 20.6..60.6.
  EXPECT_EQ(rect.at("target"), json::value(canvas_id + "#xywh=10,20,31,41"));
  auto selectors = [&](std::size_t i) { return items.at(i).at("target").at("selector").as_array(); };
  auto const& point = selectors(1);
  EXPECT_EQ(point.at(0).at("type"), "PointSelector");
  EXPECT_EQ(point.at(0).at("x"), 5.0);
  EXPECT_EQ(items.at(1).at("target").at("source").at("id"), json::value(canvas_id));
  auto const& circle = selectors(2);
  EXPECT_EQ(circle.at(0).at("type"), "SvgSelector");
  EXPECT_EQ(
      circle.at(0).at("value"),
      "<svg xmlns=\"http://www.w3.org/2000/svg\"><path d=\"M89.5,100 A10.5,10.5 0 1,0 110.5,100 A10.5,10.5 "
      "0 1,0 89.5,100 Z\" fill=\"none\"/></svg>");
  EXPECT_EQ(circle.at(1).at("value"), "xywh=89,89,22,22");
  auto const& polygon = selectors(3);
  EXPECT_EQ(polygon.at(0).at("value"),
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><path d=\"M1,2 L30.25,4 L5,60 Z\" fill=\"none\" "
            "stroke=\"#00ff00\"/></svg>");
  EXPECT_EQ(polygon.at(1).at("value"), "xywh=1,2,30,58");
}

TEST(IiifManifest, LaterAnnotationPagesAreReferenced) {
  auto s = source();
  s.annotation_total = 2 * kAnnotationsPerPage + 1;
  auto m = parse(manifest_json(s));
  auto const& pages = m.at("items").as_array().at(0).at("annotations").as_array();
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(pages.at(2).at("id"), "https://h/iiif/3/abc/annotations/3");
  EXPECT_FALSE(pages.at(2).as_object().contains("items"));
  auto standalone = parse(annotation_page_json("https://h", "abc", 3, {}));
  EXPECT_EQ(standalone.at("@context"), "http://iiif.io/api/presentation/3/context.json");
  EXPECT_EQ(standalone.at("id"), "https://h/iiif/3/abc/annotations/3");
  s.annotations.clear();
  s.annotation_total = 0;
  EXPECT_FALSE(parse(manifest_json(s)).at("items").as_array().at(0).as_object().contains("annotations"));
}

TEST(IiifManifest, DatasetMetadataIncludesFitsKeywords) {
  datasets::Dataset d;
  d.format = "fits";
  d.width = 100;
  d.height = 50;
  d.bands = 1;
  d.bit_depth = 32;
  d.sample_format = "float";
  d.pyramid_info =
      R"({"fits":{"hdu":0,"keywords":{"OBJECT":"NGC 1300","TELESCOP":"HST","EXPTIME":"120.5"}}})";
  auto meta = dataset_metadata(d);
  auto value = [&](std::string_view label) {
    for (auto const& e : meta)
      if (e.label == label) return e.value;
    return std::string("(absent)");
  };
  EXPECT_EQ(value("Format"), "FITS");
  EXPECT_EQ(value("Dimensions"), "100 × 50 pixels");
  EXPECT_EQ(value("Samples"), "1 band of 32 bits float");
  EXPECT_EQ(value("OBJECT"), "NGC 1300");
  EXPECT_EQ(value("TELESCOP"), "HST");
  EXPECT_EQ(value("EXPTIME"), "120.5");
  d.pyramid_info = "not json";
  EXPECT_EQ(dataset_metadata(d).size(), 4u);  // format, dimensions, samples, category
}

TEST(IiifCollection, ListsManifestsOrPages) {
  std::vector<CollectionItem> items{{"abc", "One", "https://h/iiif/3/abc-v1", 100, 50}};
  auto c = parse(collection_json("https://h", 0, 1, items));
  EXPECT_EQ(c.at("id"), "https://h/iiif/3/collection");
  EXPECT_EQ(c.at("type"), "Collection");
  auto const& item = c.at("items").as_array().at(0).as_object();
  EXPECT_EQ(item.at("id"), "https://h/iiif/3/abc/manifest");
  EXPECT_EQ(item.at("type"), "Manifest");
  EXPECT_EQ(item.at("thumbnail").as_array().at(0).at("width"), 100);
  // Too many for one page: the top lists pages, each page is a Collection of its manifests.
  auto top = parse(collection_json("https://h", 0, kManifestsPerPage + 1, items));
  auto const& pages = top.at("items").as_array();
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages.at(1).at("id"), "https://h/iiif/3/collection/2");
  EXPECT_EQ(pages.at(1).at("type"), "Collection");
  auto second = parse(collection_json("https://h", 2, kManifestsPerPage + 1, items));
  EXPECT_EQ(second.at("id"), "https://h/iiif/3/collection/2");
  EXPECT_EQ(second.at("partOf").as_array().at(0).at("id"), "https://h/iiif/3/collection");
  EXPECT_EQ(second.at("items").as_array().at(0).at("type"), "Manifest");
}

}  // namespace
}  // namespace astropixel::tiles::iiif
