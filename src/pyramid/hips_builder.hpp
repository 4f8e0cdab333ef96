#pragma once
// A HiPS (IVOA HiPS 1.0; ADR 0030) of a sky image, made from its pack's data pyramid: the deepest
// order's tiles sample the original values at each HEALPix cell's centre (bilinear, through the image's
// own WCS), every lower order is the NaN-aware 2×2 mean of its four children, and the tiles are written
// as FITS (the values, BITPIX −32) and PNG (through the pyramid's stretch, blanks transparent), with
// `properties`, the order-3 Allsky and the MOC. An 8-bit colour image (a composite, ADR 0029) gets a
// colour HiPS the same way from its exact pixels (its value tiles, ADR 0031): each of red, green and
// blue sampled and averaged like values, written as RGBA PNG only (`dataproduct_subtype = color`;
// docs/research/colour-hips-plan.md). Memory is bounded whatever the image: a cache of decoded tiles,
// one tile per order being assembled, and the Allsky mosaic.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "core/error.hpp"
#include "pyramid/pack.hpp"

namespace astropixel::pyramid {

struct HipsOptions {
  int width_log2 = 9;                   // 512-pixel tiles, as Hipsgen makes them
  std::optional<int> order;             // the deepest order; default: from the pixel size (hips_layout.hpp)
  bool fits_tiles = true;               // the values, for clients that stretch themselves (Aladin)
  bool png_tiles = true;                // through the pyramid's own stretch
  std::size_t cache_bytes = 64u << 20;  // decoded data tiles, shared out among the threads
  unsigned threads = 0;                 // sampling threads; 0 = one per core
  std::string title;                    // obs_title
  std::string creator_did;              // ivo://… identifier of this HiPS
  // The image's celestial WCS as 80-column FITS cards, used when the pack holds no FITS header (a
  // colour composite, whose WCS is its red channel's; an image with a sidecar header).
  std::string wcs_cards;
};

// Receives the HiPS's files by their path under its root ("properties", "Norder3/Dir0/Npix5.fits").
class HipsSink {
 public:
  virtual ~HipsSink() = default;
  virtual Status put(std::string const& path, std::span<unsigned char const> bytes) = 0;
};

struct HipsSummary {
  int order = 0;
  bool colour = false;  // RGBA PNG tiles of an 8-bit colour image, no FITS tiles
  std::string frame;    // "equatorial" or "galactic"
  std::int64_t deepest_tiles = 0;
  std::int64_t tiles = 0;  // every order, each written in each format
  double pixel_deg = 0;    // the image's finer pixel size at its centre
};

// Called with the fraction done; returning false cancels (the build ends with ErrorCode::cancelled).
using HipsProgress = std::function<bool(double fraction)>;

// Errors: validation for a colour image without PNG tiles; unprocessable with errc::no_celestial_wcs (no
// celestial WCS in the pack's FITS header or `wcs_cards`),
// errc::wcs_unsupported (a frame HiPS cannot hold: equatorial ICRS, FK5 J2000 and FK4 B1950 (converted to
// ICRS), and galactic are allowed); no_data_pyramid; corrupt
// packs as PackReader reports them; the sink's errors; cancelled.
Result<HipsSummary> build_hips(PackReader const& pack, HipsOptions const& options, HipsSink& sink,
                               HipsProgress const& progress = {});

}  // namespace astropixel::pyramid
