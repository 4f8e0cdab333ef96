#include "annotations/region_import.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "annotations/export.hpp"
#include "pyramid/fits_wcs.hpp"

namespace astropixel::annotations {
namespace {

namespace fs = std::filesystem;
fs::path const kFixtures = fs::path(ASTROPIXEL_SOURCE_DIR) / "tests/fixtures/regions";

std::string read(fs::path const& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A header saved as text (one card per line) → 80-column cards.
std::string cards_of(std::string const& text) {
  std::string out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    line.resize(80, ' ');
    out += line;
  }
  return out;
}

// pyregion's test01.fits: 1629 × 1653, TAN, 0.492″ pixels, FK5 J2000.
constexpr double kW = 1629, kH = 1653;

std::unique_ptr<ImageWcs> test01_wcs() {
  auto json =
      pyramid::wcs_json_from_header(cards_of(read(kFixtures / "pyregion/sample_fits01.header")), 1629, 1653);
  EXPECT_FALSE(json.empty());
  auto w = ImageWcs::from_json(json, kH);
  EXPECT_TRUE(w) << (w ? "" : w.error().detail);
  return w ? std::move(*w) : nullptr;
}

ImportResult import_file(fs::path const& p, ImageWcs* wcs) {
  auto f = parse_ds9(read(p));
  EXPECT_TRUE(f) << p;
  if (!f) return {};
  return import_regions(*f, wcs, kW, kH);
}

double distance(ImportedAnnotation const& a, ImportedAnnotation const& b) {
  if (a.kind != b.kind) return 1e9;
  auto const& g = a.geometry;
  auto const& h = b.geometry;
  double d = std::max({std::abs(g.x - h.x), std::abs(g.y - h.y), std::abs(g.width - h.width),
                       std::abs(g.height - h.height), std::abs(g.radius - h.radius)});
  if (g.points.size() != h.points.size()) return 1e9;
  for (std::size_t i = 0; i < g.points.size(); ++i)
    d = std::max({d, std::abs(g.points[i][0] - h.points[i][0]), std::abs(g.points[i][1] - h.points[i][1])});
  return d;
}

TEST(RegionImport, Test01InEverySystemLandsOnTheSamePixels) {
  auto wcs = test01_wcs();
  ASSERT_TRUE(wcs);
  auto image = import_file(kFixtures / "pyregion/test01_img.reg", wcs.get());
  ASSERT_EQ(image.items.size(), 4U);
  EXPECT_EQ(image.items[0].kind, Kind::polygon);  // ellipse
  EXPECT_EQ(image.items[1].kind, Kind::circle);
  EXPECT_NEAR(image.items[1].geometry.x, 963.5, 1e-9);
  EXPECT_NEAR(image.items[1].geometry.y, kH - 945 + 0.5, 1e-9);
  EXPECT_EQ(image.items[1].color, "#00ffff");
  EXPECT_EQ(image.items[2].kind, Kind::polygon);  // box rotated by 19°
  EXPECT_EQ(image.items[3].kind, Kind::polygon);
  // The same four regions written by DS9 in other systems and notations (the files carry 5 to 7
  // significant digits: 0.05 px here is 0.025″).
  for (auto const* name :
       {"test01_fk5.reg", "test01_fk5_degree.reg", "test01_fk5_sexagecimal.reg", "test01_icrs.reg",
        "test01_fk4.reg", "test01_gal.reg", "test01_ciao.reg", "test01_mixed.reg"}) {
    auto other = import_file(kFixtures / "pyregion" / name, wcs.get());
    ASSERT_EQ(other.items.size(), 4U) << name;
    for (std::size_t i = 0; i < 4; ++i)
      EXPECT_LT(distance(image.items[i], other.items[i]), 0.05) << name << " region " << i;
  }
}

// Every real region file: read whole, or each line it cannot represent reported with a reason.
TEST(RegionImport, EveryRealRegionFileIsReadOrReported) {
  auto wcs = test01_wcs();
  int files = 0, fully = 0;
  std::map<std::string, int> reasons;
  for (auto const& entry : fs::recursive_directory_iterator(kFixtures)) {
    if (entry.path().extension() != ".reg") continue;
    ++files;
    auto text = read(entry.path());
    auto f = parse_ds9(text);
    ASSERT_TRUE(f) << entry.path();
    // Every line that is not blank or a comment gave a region or a report.
    std::map<int, bool> accounted;
    for (auto const& r : f->regions) accounted[r.line] = true;
    for (auto const& s : f->skipped) accounted[s.line] = true;
    std::istringstream in(text);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      auto t = line.substr(0, line.find_last_not_of(" \r\t") + 1);
      t = t.substr(std::min(t.size(), t.find_first_not_of(" \t")));
      if (t.empty() || t.starts_with("global") || t == "image" || t == "fk5" || t == "fk4" || t == "icrs" ||
          t == "galactic" || t == "ecliptic" || t == "physical" || t == "wcs" ||
          t.starts_with("# Region file") || t.starts_with("# Filename") || t.starts_with("#"))
        continue;
      EXPECT_TRUE(accounted[n]) << entry.path().filename() << ":" << n << " " << t;
    }
    for (auto const& s : f->skipped) {
      EXPECT_FALSE(s.reason.empty());
      std::cout << entry.path().parent_path().filename().string() << "/" << entry.path().filename().string()
                << ":" << s.line << ": " << s.reason << "\n";
      ++reasons[s.reason.substr(0, s.reason.find(':'))];
    }
    if (f->skipped.empty()) ++fully;
    // Conversion never fails silently either: each region becomes an annotation or a report.
    auto imported = import_regions(*f, wcs.get(), kW, kH);
    EXPECT_EQ(imported.items.size() + imported.skipped.size(), f->regions.size() + f->skipped.size())
        << entry.path();
  }
  EXPECT_EQ(files, 56);
  std::cout << fully << " of " << files << " files read without a report\n";
  for (auto const& [reason, count] : reasons) std::cout << count << " × " << reason << "\n";
  EXPECT_GE(fully, 30);
}

Annotation stored(ImportedAnnotation const& i) {
  Annotation a;
  a.kind = i.kind;
  a.label = i.label;
  a.color = i.color;
  a.geometry = i.geometry;
  return a;
}

TEST(RegionImport, ExportThenImportGivesTheSameAnnotations) {
  auto wcs = test01_wcs();
  ASSERT_TRUE(wcs);
  std::vector<Annotation> items;
  auto add = [&](Kind k, Geometry g) {
    Annotation a;
    a.kind = k;
    a.label = "label " + std::to_string(items.size());
    a.color = "#12ab34";
    a.geometry = std::move(g);
    items.push_back(a);
  };
  Geometry p;
  p.x = 100.25;
  p.y = 200.75;
  add(Kind::point, p);
  Geometry c = p;
  c.radius = 12.5;
  add(Kind::circle, c);
  Geometry r;
  r.x = 300;
  r.y = 400;
  r.width = 50.5;
  r.height = 20.25;
  add(Kind::rectangle, r);
  Geometry poly;
  poly.points = {{10, 10}, {60, 15}, {30, 80}};
  add(Kind::polygon, poly);
  auto check = [&](std::string const& text, double tol) {
    auto f = parse_ds9(text);
    ASSERT_TRUE(f);
    auto back = import_regions(*f, wcs.get(), kW, kH);
    ASSERT_EQ(back.items.size(), items.size()) << text;
    for (std::size_t i = 0; i < items.size(); ++i) {
      ImportedAnnotation want{0, items[i].kind, items[i].label, items[i].color, items[i].geometry};
      EXPECT_LT(distance(back.items[i], want), tol)
          << "item " << i << " " << to_string(back.items[i].kind) << "\n"
          << text;
      EXPECT_EQ(back.items[i].label, items[i].label);
      EXPECT_EQ(back.items[i].color, items[i].color);
    }
  };
  check(to_ds9(items, kH), 1e-4);
  for (auto frame : {Frame::fk5, Frame::icrs, Frame::galactic}) {
    check(to_ds9_sky(items, *wcs, frame, false), 1e-4);
    check(to_ds9_sky(items, *wcs, frame, true), 1e-3);
  }
  (void)stored;
}

TEST(RegionImport, SkySystemsWithoutAWcsAreReported) {
  auto f = parse_ds9("fk5;circle(1,2,3\")\nimage;circle(10,10,5\")\nimage;point(5,5)\n");
  ASSERT_TRUE(f);
  auto r = import_regions(*f, nullptr, 100, 100);
  ASSERT_EQ(r.items.size(), 1U);
  ASSERT_EQ(r.skipped.size(), 2U);
  EXPECT_NE(r.skipped[0].reason.find("celestial WCS"), std::string::npos);
  EXPECT_NE(r.skipped[1].reason.find("celestial WCS"), std::string::npos);
}

TEST(RegionImport, OutsideTheImageAndNotes) {
  auto f = parse_ds9(
      "image\npoint(500,5)\n-circle(5,5,2) # "
      "color=chartreuse\nellipse(50,50,10,10,0)\nellipse(50,50,10,5,30)\n"
      "line(1,1,5,5)\ntext(3,3)\n");
  ASSERT_TRUE(f);
  auto r = import_regions(*f, nullptr, 100, 100);
  ASSERT_EQ(r.items.size(), 3U);
  EXPECT_EQ(r.items[1].kind, Kind::circle);  // an ellipse with equal radii
  EXPECT_EQ(r.items[2].kind, Kind::polygon);
  EXPECT_EQ(r.items[2].geometry.points.size(), 64U);
  ASSERT_EQ(r.skipped.size(), 3U);
  EXPECT_EQ(r.skipped[0].reason, "lies outside the image");
  EXPECT_NE(r.skipped[1].reason.find("line"), std::string::npos);
  EXPECT_NE(r.skipped[2].reason.find("without text"), std::string::npos);
  EXPECT_EQ(r.notes.size(), 3U);  // unknown colour, exclusion, ellipse as polygon
  EXPECT_EQ(r.items[0].color, "#00ff00");
}

TEST(RegionImport, Catalogue) {
  auto wcs = test01_wcs();
  ASSERT_TRUE(wcs);
  auto sky = wcs->to_sky(800, 900, Frame::fk5);
  ASSERT_TRUE(sky);
  std::string csv = "name,ra,dec,color\n\"Star, A\"," + std::to_string((*sky)[0]) + "," +
                    std::to_string((*sky)[1]) + ",red\nB,11:24:30,-59:15:00,\nC,abc,1\n";
  auto r = import_catalogue(csv, wcs.get(), Frame::fk5, kW, kH);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->items.size(), 2U);
  EXPECT_EQ(r->items[0].label, "Star, A");
  EXPECT_NEAR(r->items[0].geometry.x, 800, 0.01);
  EXPECT_NEAR(r->items[0].geometry.y, 900, 0.01);
  EXPECT_EQ(r->items[0].color, "#ff0000");
  ASSERT_EQ(r->skipped.size(), 1U);
  EXPECT_EQ(r->skipped[0].line, 4);
  auto px = import_catalogue("x,y,label\n1.5,2.5,a\n", nullptr, Frame::fk5, 10, 10);
  ASSERT_TRUE(px);
  ASSERT_EQ(px->items.size(), 1U);
  EXPECT_DOUBLE_EQ(px->items[0].geometry.y, 2.5);
  EXPECT_EQ(import_catalogue("a,b\n1,2\n", nullptr, Frame::fk5, 10, 10).error().reason, "bad_catalogue");
  EXPECT_EQ(import_catalogue("ra,dec\n1,2\n", nullptr, Frame::fk5, 10, 10).error().reason,
            "no_celestial_wcs");
  // Export → import of points through the catalogue.
  std::vector<Annotation> pts(1);
  pts[0].kind = Kind::point;
  pts[0].label = "p";
  pts[0].color = "#123456";
  pts[0].geometry.x = 321.5;
  pts[0].geometry.y = 654.25;
  for (bool sexa : {false, true}) {
    auto back =
        import_catalogue(to_catalogue(pts, wcs.get(), Frame::fk5, sexa), wcs.get(), Frame::fk5, kW, kH);
    ASSERT_TRUE(back);
    ASSERT_EQ(back->items.size(), 1U);
    EXPECT_NEAR(back->items[0].geometry.x, 321.5, 1e-3);
    EXPECT_NEAR(back->items[0].geometry.y, 654.25, 1e-3);
    EXPECT_EQ(back->items[0].color, "#123456");
  }
}

TEST(RegionImport, CleanLabel) {
  EXPECT_EQ(clean_label("a\tb", "x"), "a b");
  EXPECT_EQ(clean_label("", "x"), "x");
  EXPECT_EQ(clean_label("\xff\xfe", "x"), "??");
  EXPECT_EQ(clean_label("caf\xc3\xa9", "x"), "caf\xc3\xa9");
  EXPECT_EQ(clean_label(std::string(300, 'a'), "x").size(), 200U);
  EXPECT_EQ(clean_label(std::string(300, '\xff'), "x").size(), 200U);
}

TEST(ImageWcs, RefusesWhatItCannotRebuild) {
  EXPECT_EQ(ImageWcs::from_json("", 10).error().reason, "no_celestial_wcs");
  EXPECT_EQ(ImageWcs::from_json("null", 10).error().reason, "no_celestial_wcs");
  auto json =
      pyramid::wcs_json_from_header(cards_of(read(kFixtures / "pyregion/sample_fits01.header")), 1629, 1653);
  auto tampered = json;
  auto at = tampered.find("\"crval\":[");
  ASSERT_NE(at, std::string::npos);
  tampered.insert(at + 9, "1");  // 171.1… → 1171.1…: no longer wcslib's recorded answers
  EXPECT_EQ(ImageWcs::from_json(tampered, kH).error().reason, "wcs_unsupported");
}

}  // namespace
}  // namespace astropixel::annotations

namespace astropixel::annotations {
namespace {

// Every projection and distortion of the viewer's WCS fixtures (wcslib's 1904-66 set, SIP, TPV,
// DSS): rebuilt from the recorded JSON, or refused with a reason; where rebuilt, sky ↔ pixel round
// trips hold.
TEST(ImageWcs, RebuildsEveryProjectionAndDistortionOrSaysWhyNot) {
  int rebuilt = 0;
  std::vector<std::string> refused;
  for (auto const& entry : fs::directory_iterator(fs::path(ASTROPIXEL_SOURCE_DIR) / "tests/fixtures/wcs")) {
    if (entry.path().extension() != ".hdr") continue;
    std::string cards = read(entry.path());
    if (cards.find('\n') != std::string::npos) cards = cards_of(cards);  // saved as text lines
    cards.resize(cards.size() / 80 * 80);
    auto axis = [&](std::string_view key) {
      for (std::size_t i = 0; i + 80 <= cards.size(); i += 80)
        if (cards.compare(i, key.size(), key) == 0 && cards[i + key.size()] == ' ')
          return std::atof(cards.substr(i + 10, 70).c_str());
      return 0.0;
    };
    double const w = axis("NAXIS1"), h = axis("NAXIS2");
    auto json =
        pyramid::wcs_json_from_header(cards, static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(h));
    if (json.empty()) continue;
    auto wcs = ImageWcs::from_json(json, h);
    if (!wcs) {
      refused.push_back(entry.path().filename().string() + ": " + wcs.error().detail);
      continue;
    }
    ++rebuilt;
    // wcslib's CSC is a polynomial approximation whose inverse differs from its forward by up to
    // 0.15 px here (of 0.067° pixels); everything else inverts to 1e-3 px.
    double const tol = entry.path().filename() == "1904-66_CSC.hdr" ? 0.5 : 1e-3;
    for (double fy : {0.1, 0.5, 0.9}) {
      for (double fx : {0.1, 0.5, 0.9}) {
        auto sky = (*wcs)->to_sky(fx * w, fy * h, Frame::galactic);
        if (!sky) continue;
        auto back = (*wcs)->to_pixel(*sky, Frame::galactic);
        ASSERT_TRUE(back) << entry.path();
        EXPECT_NEAR((*back)[0], fx * w, tol) << entry.path();
        EXPECT_NEAR((*back)[1], fy * h, tol) << entry.path();
      }
    }
  }
  for (auto const& r : refused) std::cout << "refused " << r << "\n";
  std::cout << rebuilt << " WCS rebuilt\n";
  EXPECT_GE(rebuilt, 30);
}

}  // namespace
}  // namespace astropixel::annotations
