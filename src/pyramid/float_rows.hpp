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
  // Whether rows may be read in any order at no extra cost (the statistics pass then samples
  // bands of rows instead of decoding everything). Sequential readers read top to bottom only.
  virtual bool random_access() const { return false; }
  // Whether the data can hold blank pixels (NaN, or FITS BLANK) at all.
  virtual bool may_hold_blanks() const { return true; }
};

struct FitsSelection {
  int hdu = -1;   // 0-based HDU number; -1 = the first HDU holding an image
  int plane = 0;  // 0-based plane of a data cube
};

// Errors: unprocessable (corrupt_image, no_image_hdu, bad_hdu, bad_plane).
Result<std::unique_ptr<FloatRows>> open_fits_rows(std::filesystem::path const& path,
                                                  FitsSelection const& selection);

// 16-bit integer and 32-bit float TIFF/BigTIFF (contiguous grey or RGB(A), striped or tiled, any
// compression libtiff decodes) read straight through libtiff; nullptr for anything else (the caller
// falls back to libvips).
std::unique_ptr<FloatRows> open_tiff_float_rows(std::filesystem::path const& path);

}  // namespace astropixel::pyramid
