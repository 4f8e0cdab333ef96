#pragma once
// The sky coordinates of a FITS image: its celestial WCS read by wcslib from the chosen HDU's
// header and reduced to everything a browser needs to compute pixel ↔ world itself for any
// projection wcslib knows (docs/adr/0014-sky-coordinates-in-the-browser.md): the linear part, the
// projection's parameters as wcslib set them up, the celestial rotation, SIP or TPV distortion and
// the frame — plus wcslib's own answers at reference points (the browser shows coordinates only
// where its arithmetic reproduces them), and the pixel scale, north angle and field of view.
#include <cstdint>
#include <filesystem>
#include <string>

#include "pyramid/float_rows.hpp"

namespace astropixel::pyramid {

// Version of the JSON below. 1 (no "version" field): zenithal projections only, no distortion.
inline constexpr int kWcsJsonVersion = 2;

// JSON, with x, y in display pixels (top-left origin, rows top-down) wherever pixels appear:
//   "version": 2, "ctype", "crval", "crpix" (FITS, 1-based, bottom-up),
//   "pc" (row-major 2×2), "cdelt", "matrix" (= CDELT·PC: pixel → intermediate, degrees),
//   "projection" (wcslib's code after wcsset: TPV becomes TAN plus a distortion),
//   "prj": {"r0", "pv" [30], "phi0", "theta0", "x0", "y0"} (wcslib's prjprm after wcsset),
//   "euler" [5] (wcslib's celprm euler angles), "lonpole", "latpole", "lng_first",
//   "distortion": null | {"type": "SIP", "a", "b", "ap", "bp": [[p, q, coefficient], ...]}
//                      | {"type": "TPV", "x", "y": [[m, coefficient], ...]},
//   "radesys", "equinox", "system" ("equatorial", "galactic", "ecliptic", "helioecliptic",
//   "supergalactic", or the CTYPE's own name),
//   "reference_points": [{"x","y","ra","dec"}] (longitude and latitude, whatever the frame),
//   "pixel_scale" (arcsec per pixel at the centre), "pixel_scale_xy", "north_angle" (degrees, counter-
//   clockwise on screen from the image's up to celestial north), "east_left" (east is 90° counter-
//   clockwise from north, as on the sky), "fov" [width, height] (degrees, along the centre row/column).
// Empty when the HDU has no celestial WCS on its first two pixel axes.
std::string read_fits_wcs(std::filesystem::path const& path, FitsSelection const& selection,
                          std::uint32_t width, std::uint32_t height);

// The same from header text (80-column cards without separators, as fits_hdr2str writes them).
std::string wcs_json_from_header(std::string const& cards, std::uint32_t width, std::uint32_t height);

}  // namespace astropixel::pyramid
