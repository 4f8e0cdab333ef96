#pragma once
// Celestial frames regions are written in, and the conversions between them (degrees):
//   fk5 (equinox J2000) ↔ icrs: the frame bias of USNO Circular 179 (about 0.03″), as astropy;
//   galactic: SLALIB's sla_EQGAL rotation from FK5 J2000;
//   ecliptic: the mean ecliptic and equinox of J2000 (obliquity 84381.448″, IAU 1976);
//   fk4 (equinox B1950): SLALIB's sla_FK45Z (E-terms removed, the FK4 → FK5 matrix of Standish
//   1982, zero proper motion in FK5) at epoch J2000 as DS9 assumes (AST's default), and its
//   inverse by iteration.
#include <array>
#include <string_view>

namespace astropixel::pyramid {

enum class Frame { fk5, icrs, fk4, galactic, ecliptic };
std::string_view to_string(Frame f);

// (longitude, latitude) in `from` → the same direction in `to`; longitude in [0, 360).
std::array<double, 2> convert(Frame from, Frame to, std::array<double, 2> lonlat);

}  // namespace astropixel::pyramid
