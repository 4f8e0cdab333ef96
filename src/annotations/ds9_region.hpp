#pragma once
// SAOImage DS9 region files (format 4.1 and the older forms still in circulation, CIAO's too), read
// into shapes with typed values; no coordinate conversion happens here (see region_import.hpp).
// The reader takes hostile input: sizes are bounded, nothing recurses, and every line it cannot
// read is returned with its number, its text and the reason, never dropped.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace astropixel::annotations {

enum class Shape { circle, box, ellipse, polygon, point, line, text };
std::string_view to_string(Shape s);

// image, physical (pixels), fk4 (B1950), fk5 (J2000), icrs, galactic, ecliptic; wcs is the image's
// own celestial frame.
enum class System { image, physical, fk4, fk5, icrs, galactic, ecliptic, wcs };
std::string_view to_string(System s);
bool is_sky(System s);

// What a number said of itself: a suffix (" ' d r i p), sexagesimal or h/m/s notation (then the
// value is already in degrees: hours × 15 for an equatorial longitude), or nothing.
enum class Unit { none, degrees, arcsec, arcmin, image, physical };

struct Value {
  double number = 0;
  Unit unit = Unit::none;
};

struct Region {
  int line = 0;
  std::string source;  // the line's text (at most 200 characters), for reports
  Shape shape = Shape::point;
  System system = System::physical;
  bool exclude = false;           // "-" prefix
  bool composite_member = false;  // "||" after the shape
  // circle: x y r; box: x y w h angle; ellipse: x y r1 r2 angle; polygon: x1 y1 x2 y2 ...;
  // point: x y; line: x1 y1 x2 y2; text: x y. Angles are plain degrees.
  std::vector<Value> values;
  std::string color;        // as written: a name or #rgb/#rrggbb; empty = the global colour
  std::string text;         // text={...}, or text(x,y,{...})
  std::string point_shape;  // circle, box, diamond, cross, x, arrow, boxcircle
};

struct LineIssue {
  int line = 0;
  std::string text;    // the line (at most 200 characters)
  std::string reason;  // why it was not read
};

struct RegionFile {
  std::vector<Region> regions;
  std::vector<LineIssue> skipped;  // lines, or parts of lines, that were not read
  std::string global_color = "green";
};

struct RegionLimits {
  std::size_t max_bytes = 2 * 1024 * 1024;
  std::size_t max_line = 64 * 1024;
  std::size_t max_regions = 100'000;
  std::size_t max_vertices = 1000;  // of a polygon
};

// Reads a region file. Errors: payload_too_large over max_bytes; validation when the text is not a
// region file at all (binary data, or more than max_regions regions). Everything else is per line.
Result<RegionFile> parse_ds9(std::string_view text, RegionLimits const& limits = {});

// A DS9 colour name or #rgb/#rrggbb as #rrggbb; empty when unknown.
std::string ds9_color(std::string_view color);

// "12:34:56.7", "-1:02:03", "12h34m56.7s", "12d34m56s": the value in its own unit (hours or
// degrees), and whether it was hours; false when the text is not sexagesimal.
bool parse_sexagesimal(std::string_view text, double& value, bool& hours);

}  // namespace astropixel::annotations
