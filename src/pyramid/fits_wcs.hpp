#pragma once
// The sky coordinates of a FITS image: its celestial WCS read by wcslib from the chosen HDU's
// header, reduced to what a browser needs to show RA/Dec under the pointer for zenithal projections
// (TAN, SIN, ARC, ZEA, STG) — and reference points computed by wcslib itself (which also applies any
// distortion), so the browser shows coordinates only where its own arithmetic agrees.
#include <cstdint>
#include <filesystem>
#include <string>

#include "pyramid/float_rows.hpp"

namespace astropixel::pyramid {

// JSON {"ctype", "crval", "crpix", "matrix" (pixel → intermediate, row-major 2×2, degrees),
// "projection", "lonpole", "latpole", "radesys", "equinox", "reference_points": [{"x","y","ra","dec"}]}
// with x, y in display pixels (top-left origin, rows top-down); empty when the HDU has no celestial WCS.
std::string read_fits_wcs(std::filesystem::path const& path, FitsSelection const& selection,
                          std::uint32_t width, std::uint32_t height);

}  // namespace astropixel::pyramid
