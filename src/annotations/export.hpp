#pragma once
// Annotations as files other tools read: CSV (spreadsheets) and SAOImage DS9 region files.
#include <string>
#include <vector>

#include "annotations/annotation.hpp"

namespace astropixel::annotations {

// One row per annotation; cells that a spreadsheet would run as a formula are prefixed with '.
std::string to_csv(std::vector<Annotation> const& items);

// DS9 "image" coordinates: 1-based, pixel centres on integers, y up from the bottom row, so
// x_ds9 = x + 0.5 and y_ds9 = image_height - y + 0.5. Labels go in text={...}.
std::string to_ds9(std::vector<Annotation> const& items, double image_height);

}  // namespace astropixel::annotations
