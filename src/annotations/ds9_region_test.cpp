#include "annotations/ds9_region.hpp"

#include <gtest/gtest.h>

namespace astropixel::annotations {
namespace {

RegionFile parse(std::string_view text) {
  auto r = parse_ds9(text);
  EXPECT_TRUE(r) << text;
  return r ? *r : RegionFile{};
}

TEST(Ds9Region, EveryShapeInImageCoordinates) {
  auto f = parse(
      "# Region file format: DS9 version 4.1\n"
      "global color=green width=1\n"
      "image\n"
      "circle(100,200,20) # color=red text={A circle}\n"
      "box(10,20,30,40,45)\n"
      "box(10,20,30,40)\n"
      "ellipse(50,60,10,5,30) # text={E}\n"
      "polygon(1,1,10,1,10,10,1,10)\n"
      "point(5,6) # point=diamond 11\n"
      "line(1,2,3,4)\n"
      "# text(7,8) text={Hello}\n"
      "text(9,10,{World})\n");
  ASSERT_EQ(f.regions.size(), 9U);
  EXPECT_TRUE(f.skipped.empty());
  auto const& c = f.regions[0];
  EXPECT_EQ(c.shape, Shape::circle);
  EXPECT_EQ(c.system, System::image);
  EXPECT_EQ(c.line, 4);
  ASSERT_EQ(c.values.size(), 3U);
  EXPECT_EQ(c.values[2].number, 20);
  EXPECT_EQ(c.color, "red");
  EXPECT_EQ(c.text, "A circle");
  EXPECT_EQ(f.regions[1].values[4].number, 45);
  EXPECT_EQ(f.regions[2].values.size(), 5U);  // the angle defaults to 0
  EXPECT_EQ(f.regions[4].values.size(), 8U);
  EXPECT_EQ(f.regions[5].point_shape, "diamond");
  EXPECT_EQ(f.regions[6].shape, Shape::line);
  EXPECT_EQ(f.regions[7].shape, Shape::text);
  EXPECT_EQ(f.regions[7].text, "Hello");
  EXPECT_EQ(f.regions[8].text, "World");
  EXPECT_EQ(f.global_color, "green");
}

TEST(Ds9Region, SystemsUnitsAndSexagesimal) {
  auto f = parse(
      "fk5;circle(202.48643,47.208449,3.9640007\")\n"
      "icrs\ncircle(13:29:56.74,+47:12:30.4,0.5') # text={hms}\n"
      "galactic;point(+292:00:04.651,-01:45:41.444)\n"
      "ecliptic;box(10d,20d,1d,2r,0)\n"
      "fk4;circle(12h30m00s,-10d30m00s,3)\n"
      "j2000;point(100i,200p)\n"
      "b1950;point(1.5r,0.5r)\n");
  ASSERT_EQ(f.regions.size(), 7U) << (f.skipped.empty() ? "" : f.skipped[0].reason);
  auto const& a = f.regions[0];
  EXPECT_EQ(a.system, System::fk5);
  EXPECT_EQ(a.values[2].unit, Unit::arcsec);
  EXPECT_NEAR(a.values[2].number, 3.9640007, 1e-12);
  auto const& b = f.regions[1];
  EXPECT_EQ(b.system, System::icrs);
  EXPECT_NEAR(b.values[0].number, (13 + 29 / 60.0 + 56.74 / 3600) * 15, 1e-9);
  EXPECT_EQ(b.values[0].unit, Unit::degrees);
  EXPECT_NEAR(b.values[1].number, 47 + 12 / 60.0 + 30.4 / 3600, 1e-9);
  EXPECT_EQ(b.values[2].unit, Unit::arcmin);
  auto const& g = f.regions[2];
  EXPECT_EQ(g.system, System::galactic);
  EXPECT_NEAR(g.values[0].number, 292 + 4.651 / 3600, 1e-9);  // degrees, not hours, in galactic
  EXPECT_NEAR(g.values[1].number, -(1 + 45 / 60.0 + 41.444 / 3600), 1e-9);
  auto const& e = f.regions[3];
  EXPECT_EQ(e.system, System::ecliptic);
  EXPECT_EQ(e.values[2].unit, Unit::degrees);
  EXPECT_NEAR(e.values[3].number, 2 * 180 / 3.141592653589793, 1e-9);
  auto const& k = f.regions[4];
  EXPECT_EQ(k.system, System::fk4);
  EXPECT_NEAR(k.values[0].number, 187.5, 1e-9);
  EXPECT_NEAR(k.values[1].number, -10.5, 1e-9);
  EXPECT_EQ(f.regions[5].values[0].unit, Unit::image);
  EXPECT_EQ(f.regions[5].values[1].unit, Unit::physical);
  EXPECT_NEAR(f.regions[6].values[0].number, 1.5 * 180 / 3.141592653589793, 1e-9);
}

TEST(Ds9Region, DefaultSystemIsPhysicalAndSexagesimalMeansSky) {
  auto f = parse("circle(10,20,3)\ncircle(11:24:24.230,-59:15:02.20,0.308514')\n");
  ASSERT_EQ(f.regions.size(), 2U);
  EXPECT_EQ(f.regions[0].system, System::physical);
  EXPECT_EQ(f.regions[1].system, System::wcs);  // CIAO files: sexagesimal in the image's frame
  EXPECT_NEAR(f.regions[1].values[0].number, (11 + 24 / 60.0 + 24.23 / 3600) * 15, 1e-9);
}

TEST(Ds9Region, PropertiesExcludeCompositeAndOldForms) {
  auto f = parse(
      "global color=#0ff\n"
      "image\n"
      "-circle(1,2,3) # color=#0ff font=\"times 10 bold\" text={a # b; c} tag={x} background\n"
      "# composite(5,5,0) || composite=1\n"
      "circle(5,5,1) ||\n"
      "box(5,5,2,2,0)\n"
      "circle point(3,4)\n"
      "x point 5 6 # color=blue\n"
      "circle 10 20 30 # text={old}\n"
      "image;circle(1,1,1);box(2,2,1,1,0)\n");
  ASSERT_EQ(f.regions.size(), 8U);
  EXPECT_EQ(f.global_color, "#0ff");
  EXPECT_TRUE(f.regions[0].exclude);
  EXPECT_EQ(f.regions[0].text, "a # b; c");
  EXPECT_TRUE(f.regions[1].composite_member);
  EXPECT_TRUE(f.regions[2].composite_member);
  EXPECT_FALSE(f.regions[3].composite_member);
  EXPECT_EQ(f.regions[3].point_shape, "circle");
  EXPECT_EQ(f.regions[4].point_shape, "x");
  EXPECT_EQ(f.regions[4].color, "blue");
  EXPECT_EQ(f.regions[5].values[2].number, 30);
  EXPECT_EQ(f.regions[5].text, "old");
  // The composite itself is reported: its members are read one by one.
  ASSERT_EQ(f.skipped.size(), 1U);
  EXPECT_EQ(f.skipped[0].line, 4);
  EXPECT_NE(f.skipped[0].reason.find("composite"), std::string::npos);
}

TEST(Ds9Region, UnreadableLinesAreReportedWithTheirReason) {
  auto f = parse(
      "image\n"
      "annulus(1,2,3,4)\n"
      "circle(1,2)\n"
      "circle(1,2,x)\n"
      "polygon(1,2,3,4)\n"
      "polygon(1,2,3,4,5)\n"
      "frobnicate(1,2)\n"
      "circle(1,2,3\n"
      "box(1,2,3,4,5,6,7)\n"
      "linear;circle(1,2,3)\n"
      "image;circle(nan,1,2)\n"
      "# a comment, not a region\n"
      "fk5;circle(1,95:00:00,1)\n"
      "circle(1,2,3) # fine\n");
  ASSERT_EQ(f.regions.size(), 2U);
  std::vector<int> lines;
  for (auto const& s : f.skipped) lines.push_back(s.line);
  EXPECT_EQ(lines, (std::vector<int>{2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_NE(f.skipped[0].reason.find("annulus"), std::string::npos);
  EXPECT_NE(f.skipped[1].reason.find("expected 3 values"), std::string::npos);
  EXPECT_NE(f.skipped[5].reason.find("unknown shape"), std::string::npos);
  EXPECT_NE(f.skipped[6].reason.find("parenthesis"), std::string::npos);
  EXPECT_NE(f.skipped[8].reason.find("linear"), std::string::npos);
  EXPECT_EQ(f.skipped[2].text, "circle(1,2,x)");
  // A latitude past the pole is read (the conversion refuses it with its own reason).
  EXPECT_EQ(f.regions[0].line, 13);
}

TEST(Ds9Region, HostileInputIsBounded) {
  RegionLimits lim;
  lim.max_bytes = 1000;
  EXPECT_EQ(parse_ds9(std::string(1001, ' '), lim).error().code, ErrorCode::payload_too_large);
  EXPECT_EQ(parse_ds9(std::string("circle(1,2,3)\0", 14)).error().reason, "not_a_region_file");
  std::string many = "image\npolygon(";
  for (int i = 0; i < 1001; ++i) many += "1,2,";
  many += "3,4)\n";
  auto f = parse(many);
  ASSERT_EQ(f.skipped.size(), 1U);
  EXPECT_NE(f.skipped[0].reason.find("more than 1000 vertices"), std::string::npos);
  EXPECT_LE(f.skipped[0].text.size(), 200U);
  // Deep nesting of braces or parentheses is text, not recursion.
  auto deep = parse("image;circle(1,2,3) # text={" + std::string(10000, '{') + "}\n" +
                    std::string(50000, '(') + "\n");
  EXPECT_EQ(deep.regions.size(), 1U);
  // Garbage: a clear error once too many lines fail, not a megabyte of reports.
  std::string junk;
  for (int i = 0; i < 2000; ++i) junk += "@@@\n";
  EXPECT_EQ(parse_ds9(junk).error().reason, "not_a_region_file");
  RegionLimits few;
  few.max_regions = 2;
  EXPECT_EQ(parse_ds9("image;point(1,1);point(2,2);point(3,3)", few).error().reason, "too_many_regions");
  RegionLimits short_lines;
  short_lines.max_line = 10;
  auto s = parse_ds9("image\ncircle(1,2,3) # long\n", short_lines);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->skipped.size(), 1U);
  EXPECT_EQ(s->skipped[0].line, 2);
}

TEST(Ds9Region, SexagesimalForms) {
  double v = 0;
  bool hours = false;
  EXPECT_TRUE(parse_sexagesimal("12:30:00", v, hours));
  EXPECT_DOUBLE_EQ(v, 12.5);
  EXPECT_FALSE(hours);
  EXPECT_TRUE(parse_sexagesimal("-0:30:00", v, hours));
  EXPECT_DOUBLE_EQ(v, -0.5);
  EXPECT_TRUE(parse_sexagesimal("12h30m36s", v, hours));
  EXPECT_DOUBLE_EQ(v, 12.51);
  EXPECT_TRUE(hours);
  EXPECT_TRUE(parse_sexagesimal("+12d30m", v, hours));
  EXPECT_FALSE(hours);
  EXPECT_FALSE(parse_sexagesimal("12.5", v, hours));
  EXPECT_FALSE(parse_sexagesimal("12:61:00", v, hours));
  EXPECT_FALSE(parse_sexagesimal("12:30:00x", v, hours));
  EXPECT_FALSE(parse_sexagesimal("1h2:3", v, hours));
  EXPECT_FALSE(parse_sexagesimal("", v, hours));
}

TEST(Ds9Region, Colours) {
  EXPECT_EQ(ds9_color("red"), "#ff0000");
  EXPECT_EQ(ds9_color("#0ff"), "#00ffff");
  EXPECT_EQ(ds9_color("#A0B1C2"), "#a0b1c2");
  EXPECT_EQ(ds9_color("chartreuse-ish"), "");
  EXPECT_EQ(ds9_color("#12345g"), "");
}

}  // namespace
}  // namespace astropixel::annotations
