#pragma once
// A dataset's celestial WCS, for converting regions: rebuilt with wcslib from the `wcs` JSON its
// pyramid recorded (pyramid/fits_wcs.hpp: CTYPE, CRVAL, CRPIX, PC, CDELT, the projection's
// parameters, LONPOLE/LATPOLE, RADESYS/EQUINOX, SIP or TPV distortion) as FITS header cards, and
// accepted only when it reproduces wcslib's own answers recorded with it ("reference_points", to
// 1e-6°). Pixels are display pixels: origin at the top-left corner, y down.
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "pyramid/sky_frame.hpp"

namespace astropixel::annotations {

// Regions speak of the frames the pyramid's sky code converts between (pyramid/sky_frame.hpp).
using pyramid::convert;
using pyramid::Frame;
using pyramid::to_string;

// d(east, north)/d(x, y) in degrees per display pixel (x right, y down), east = Δlon·cos(lat).
struct Jacobian {
  double a = 0, b = 0, c = 0, d = 0;  // east = a·dx + b·dy, north = c·dx + d·dy
  double det() const { return a * d - b * c; }
  // Degrees per pixel, as the square root of the area a pixel covers.
  double scale() const;
};

class ImageWcs {
 public:
  // Errors: unprocessable with reason no_celestial_wcs (empty or null JSON), wcs_unsupported (a
  // frame other than ICRS, FK5 J2000, FK4 B1950, galactic or ecliptic; a distortion other than SIP
  // or TPV; or a rebuilt WCS that does not reproduce the reference points).
  static Result<std::unique_ptr<ImageWcs>> from_json(std::string_view wcs_json, double height);
  ~ImageWcs();
  ImageWcs(ImageWcs const&) = delete;
  ImageWcs& operator=(ImageWcs const&) = delete;

  Frame frame() const { return frame_; }
  // Longitude and latitude (degrees) in `f` of display pixel (x, y); nullopt off the sky.
  std::optional<std::array<double, 2>> to_sky(double x, double y, Frame f);
  // Display pixel of a sky position in `f`; nullopt when it has none.
  std::optional<std::array<double, 2>> to_pixel(std::array<double, 2> lonlat, Frame f);
  // The local Jacobian at display pixel (x, y), in frame `f`.
  std::optional<Jacobian> jacobian(double x, double y, Frame f);
  // The FITS header cards (80 columns each) this WCS was rebuilt from: for wcslib elsewhere (a HiPS
  // build of a colour composite, whose pack holds no header).
  std::string const& cards() const { return cards_; }

 private:
  struct Impl;
  explicit ImageWcs(std::unique_ptr<Impl> impl, Frame frame, double height);
  std::unique_ptr<Impl> impl_;
  Frame frame_;
  double height_;
  std::string cards_;
};

}  // namespace astropixel::annotations
