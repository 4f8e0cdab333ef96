#pragma once
// The celestial part of a FITS header's primary WCS, set up by wcslib: display pixel ↔ sky. Display
// pixels have their origin at the image's top-left corner, rows going down, pixel (i, j) covering
// [i, i+1) × [j, j+1); FITS counts from 1 at pixel centres, rows going up.
#include <wcslib/wcs.h>

#include <array>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace astropixel::pyramid {

class CelestialWcs {
 public:
  CelestialWcs();
  ~CelestialWcs();
  CelestialWcs(CelestialWcs const&) = delete;
  CelestialWcs& operator=(CelestialWcs const&) = delete;

  // `cards`: 80-column cards without separators. False when the header has no celestial axes, they are
  // not pixel axes 1 and 2, or wcslib refuses them.
  bool parse(std::string const& cards);

  wcsprm& get() { return w_; }
  // Whether the header's lookup-table distortions were left out (their tables live in extensions
  // wcspih never sees; the corrections are a fraction of a pixel).
  bool lookup_dropped() const { return lookup_dropped_; }

  // Longitude and latitude (degrees, in the header's own frame) of display pixel (x, y) in an image
  // `height` rows tall; nullopt off the sky.
  std::optional<std::array<double, 2>> world(double x, double y, double height);
  // The inverse: the display position of a direction in the header's frame; nullopt where the
  // projection has no pixel for it (the far side of a zenithal projection, say).
  std::optional<std::array<double, 2>> pixel(double lon, double lat, double height);
  // The same for many directions at once (one wcslib call: its set-up is shared): `lonlat` holds
  // lon, lat pairs; `xy` receives x, y pairs, NaN where there is no pixel. `lonlat.size()` is even and
  // equal to `xy.size()`.
  void pixels(std::span<double const> lonlat, std::span<double> xy, double height);

 private:
  wcsprm w_{};
  bool ready_ = false;
  bool lookup_dropped_ = false;
  std::vector<double> world_, phi_, theta_, img_;  // pixels()' scratch
  std::vector<int> stat_;
};

}  // namespace astropixel::pyramid
