#pragma once
// DS9 regions and CSV catalogues → annotations (image pixels, top-left origin, y down), through
// the image's celestial WCS for sky systems. What has no annotation counterpart is reported per
// line with its reason; what is kept approximately (an ellipse as a polygon) is noted.
#include <string>
#include <string_view>
#include <vector>

#include "annotations/annotation.hpp"
#include "annotations/ds9_region.hpp"
#include "annotations/image_wcs.hpp"

namespace astropixel::annotations {

struct ImportedAnnotation {
  int line = 0;
  Kind kind = Kind::point;
  std::string label, color;
  Geometry geometry;
};

struct ImportResult {
  std::vector<ImportedAnnotation> items;
  std::vector<LineIssue> skipped;  // not imported, and why
  std::vector<LineIssue> notes;    // imported, with a remark (approximated, exclusion dropped, ...)
};

inline constexpr std::size_t kMaxImported = 10'000;

// `wcs` may be null (an image without a celestial WCS: regions in sky systems are skipped).
ImportResult import_regions(RegionFile const& file, ImageWcs* wcs, double width, double height);

// A CSV catalogue with a header row: ra,dec (degrees or sexagesimal, hours for RA, in `frame`) or
// x,y (display pixels, top-left origin, y down), and optionally label (or name, id) and color.
// Errors: validation (reason bad_catalogue) without a header naming ra/dec or x/y;
// unprocessable (no_celestial_wcs) for ra/dec without a WCS.
Result<ImportResult> import_catalogue(std::string_view csv, ImageWcs* wcs, Frame frame, double width,
                                      double height);

// A label as an annotation takes it: valid UTF-8 (invalid bytes become '?'), no control
// characters, at most 200 bytes; `fallback` when empty.
std::string clean_label(std::string_view text, std::string_view fallback);

}  // namespace astropixel::annotations
