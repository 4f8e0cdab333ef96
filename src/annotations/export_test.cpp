#include "annotations/export.hpp"

#include <gtest/gtest.h>

// Designated initialisers that leave the polygon points empty on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace astropixel::annotations {
namespace {

Annotation make(Kind k, std::string label, Geometry g) {
  Annotation a;
  a.id = "a1";
  a.kind = k;
  a.label = std::move(label);
  a.color = "#ff0000";
  a.geometry = std::move(g);
  a.author_id = "u1";
  a.created_at = 1000;
  return a;
}

TEST(Export, Ds9UsesOneBasedYUpImageCoordinates) {
  // Image 100 px high: the top-left pixel (0, 0) has its centre at DS9 (1, 100).
  auto ds9 = to_ds9({make(Kind::point, "star {A}", {.x = 0.5, .y = 0.5}),
                     make(Kind::rectangle, "box", {.x = 10, .y = 20, .width = 4, .height = 6}),
                     make(Kind::circle, "c", {.x = 50, .y = 50, .radius = 3}),
                     make(Kind::polygon, "p", {.points = {{0, 0}, {10, 0}, {10, 10}}})},
                    100);
  EXPECT_NE(ds9.find("\nimage\n"), std::string::npos);
  EXPECT_NE(ds9.find("point(1,100) # point=circle color=#ff0000 text={star A}"), std::string::npos) << ds9;
  EXPECT_NE(ds9.find("box(12.5,77.5,4,6,0) # color=#ff0000 text={box}"), std::string::npos) << ds9;
  EXPECT_NE(ds9.find("circle(50.5,50.5,3)"), std::string::npos) << ds9;
  EXPECT_NE(ds9.find("polygon(0.5,100.5,10.5,100.5,10.5,90.5)"), std::string::npos) << ds9;
}

TEST(Export, CsvQuotesAndDefusesFormulas) {
  auto csv = to_csv({make(Kind::point, "=HYPERLINK(\"x\")", {.x = 1, .y = 2}),
                     make(Kind::polygon, "a, \"b\"", {.points = {{0, 0}, {1, 0}, {1, 1}}})});
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "id,kind,label,color,x,y,width,height,radius,points,author_id,created_at");
  EXPECT_NE(csv.find("a1,point,\"'=HYPERLINK(\"\"x\"\")\",#ff0000,1,2,,,,,u1,1000"), std::string::npos)
      << csv;
  EXPECT_NE(csv.find("a1,polygon,\"a, \"\"b\"\"\",#ff0000,,,,,,0:0 1:0 1:1,u1,1000"), std::string::npos)
      << csv;
}

TEST(Geometry, ValidatesShapesAgainstTheImage) {
  EXPECT_TRUE(parse_geometry(Kind::point, R"({"x": 5, "y": 5})", 10, 10));
  EXPECT_TRUE(parse_geometry(Kind::rectangle, R"({"x": 1, "y": 1, "width": 9, "height": 9})", 10, 10));
  EXPECT_FALSE(parse_geometry(Kind::rectangle, R"({"x": 1, "y": 1, "width": 10, "height": 2})", 10, 10));
  EXPECT_FALSE(parse_geometry(Kind::rectangle, R"({"x": 1, "y": 1, "width": 0, "height": 2})", 10, 10));
  EXPECT_FALSE(parse_geometry(Kind::point, R"({"x": 11, "y": 5})", 10, 10));
  EXPECT_FALSE(parse_geometry(Kind::point, R"({"x": "5", "y": 5})", 10, 10));
  EXPECT_FALSE(parse_geometry(Kind::circle, R"({"x": 5, "y": 5, "radius": -1})", 10, 10));
  EXPECT_FALSE(parse_geometry(Kind::polygon, R"({"points": [[0,0],[1,1]]})", 10, 10));
  EXPECT_FALSE(parse_geometry(Kind::polygon, R"({"points": [[0,0],[1,1],[1e400,2]]})", 10, 10));
  EXPECT_FALSE(parse_geometry(Kind::point, "[1,2]", 10, 10));
  EXPECT_EQ(parse_geometry(Kind::point, "{}", 10, 10).error().field, "geometry");
  EXPECT_FALSE(validate_color("red"));
  EXPECT_TRUE(validate_color("#A0b1C2"));
  EXPECT_FALSE(validate_label(""));
  EXPECT_FALSE(validate_label("a\nb"));
}

}  // namespace
}  // namespace astropixel::annotations
