#pragma once
// Annotations as files other tools read: CSV (spreadsheets) and SAOImage DS9 region files.
#include <string>
#include <vector>

#include "annotations/annotation.hpp"
#include "annotations/image_wcs.hpp"

namespace astropixel::annotations {

// One row per annotation; cells that a spreadsheet would run as a formula are prefixed with '.
std::string to_csv(std::vector<Annotation> const& items);

// DS9 "image" coordinates: 1-based, pixel centres on integers, y up from the bottom row, so
// x_ds9 = x + 0.5 and y_ds9 = image_height - y + 0.5. Labels go in text={...}.
std::string to_ds9(std::vector<Annotation> const& items, double image_height);

// DS9 in a sky frame (fk5, icrs or galactic) through the image's WCS: positions in degrees (9
// decimals) or sexagesimal (RA in hours for fk5/icrs), radii and box sizes in arcseconds from the
// local pixel scale, box angles from west through north (DS9's convention). An annotation whose
// position has no sky coordinates (off an all-sky projection) is written as a comment saying so.
std::string to_ds9_sky(std::vector<Annotation> const& items, ImageWcs& wcs, Frame frame, bool sexagesimal);

// Point annotations as a CSV catalogue: label,x,y,color (display pixels) when `wcs` is null, else
// label,ra,dec,color (label,glon,glat,color for galactic) in degrees or sexagesimal.
std::string to_catalogue(std::vector<Annotation> const& items, ImageWcs* wcs, Frame frame, bool sexagesimal);

// Sexagesimal text: hours (RA) "hh:mm:ss.sssss" or degrees "+dd:mm:ss.ssss".
std::string sexagesimal(double value, bool hours, bool sign);

}  // namespace astropixel::annotations
