#pragma once
// Rows of float data values, top to bottom: what the display stretch reads. Implemented over
// libvips (16-bit and float TIFF/PNG/...) and over cfitsio (FITS: HDU and plane choice, BSCALE/BZERO,
// BLANK and NaN as NaN).
#include <cstdint>
#include <filesystem>
#include <memory>

#include "core/error.hpp"

namespace astropixel::pyramid {

class FloatRows {
 public:
  virtual ~FloatRows() = default;
  virtual std::uint32_t width() const = 0;
  virtual std::uint32_t height() const = 0;
  virtual int bands() const = 0;  // 1 (grey) or 3 (colour), interleaved
  // Rows [y, y + rows) into `out` (width × bands floats per row); blank pixels are NaN.
  // Errors: unprocessable (corrupt_image).
  virtual Status read(std::uint32_t y, std::uint32_t rows, float* out) = 0;
};

struct FitsSelection {
  int hdu = -1;   // 0-based HDU number; -1 = the first HDU holding an image
  int plane = 0;  // 0-based plane of a data cube
};

// Errors: unprocessable (corrupt_image, no_image_hdu, bad_hdu, bad_plane).
Result<std::unique_ptr<FloatRows>> open_fits_rows(std::filesystem::path const& path,
                                                  FitsSelection const& selection);

}  // namespace astropixel::pyramid
