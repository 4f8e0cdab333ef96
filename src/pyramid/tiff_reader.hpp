#pragma once
// The TIFF fast path: 8-bit contiguous RGB(A)/grey TIFF and BigTIFF read straight through libtiff,
// strip by strip or tile row by tile row, skipping libvips' generic pipeline (which costs ~15× the
// raw read on this machine; see docs/adr/0006-tiff-fast-path.md). Anything else goes through libvips.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "core/error.hpp"

struct tiff;  // libtiff's TIFF

namespace astropixel::pyramid {

class TiffReader {
 public:
  enum class Samples {
    display8,  // 8-bit RGB(A)/grey shown as is (no ICC profile: those are colour-managed by libvips)
    data,      // 16-bit integer or 32-bit float grey/RGB(A), for the stretch
  };
  // nullptr when the file is not a TIFF this reader handles (the caller falls back to libvips).
  static std::unique_ptr<TiffReader> open(std::filesystem::path const& path);
  static std::unique_ptr<TiffReader> open(std::filesystem::path const& path, Samples samples);
  ~TiffReader();

  std::uint32_t width() const { return width_; }
  std::uint32_t height() const { return height_; }
  int bands() const { return bands_; }
  int sample_bytes() const { return sample_bytes_; }
  int sample_format() const { return sample_format_; }  // libtiff's SAMPLEFORMAT_*
  std::size_t row_bytes() const { return static_cast<std::size_t>(width_) * bands_ * sample_bytes_; }
  // Rows decoded together: reading one row alone decodes this many.
  std::uint32_t band_height() const { return band_height_; }
  // The page (directory number, 1 or more) of the smallest reduced-resolution image in the file (its
  // SubfileType says "reduced image": a pyramid TIFF's or a cloud-optimised GeoTIFF's overviews)
  // that is at least width × height and at most max_pixels; -1 when there is none. Reads headers
  // only, at most 64 pages.
  int smallest_reduced_page(std::uint32_t width, std::uint32_t height, std::uint64_t max_pixels) const;
  // Raw samples in native byte order. Rows may be read in any order, cheapest top to bottom (a band
  // of rows is decoded once). Errors: unprocessable (corrupt_image).
  Status read_rows(std::uint32_t y, std::uint32_t rows, unsigned char* out);

 private:
  static constexpr unsigned kMaxDecoders = 4;
  TiffReader() = default;
  Status load_band(std::uint32_t band_index);
  struct Handle;
  ::tiff* handle(unsigned decoder);  // the decoder's own libtiff handle, opened on first use
  std::filesystem::path path_;
  std::vector<std::unique_ptr<Handle>> tifs_;
  // A band is a row of tiles, or one strip per decoder.
  std::uint32_t width_ = 0, height_ = 0, band_height_ = 0, strip_height_ = 0;
  std::uint32_t tile_width_ = 0;
  std::size_t tile_size_ = 0;
  unsigned decoders_ = 1;
  bool tiled_ = false, jpeg_ycbcr_ = false;
  int bands_ = 0, sample_bytes_ = 1, sample_format_ = 1;
  std::vector<unsigned char> band_;  // the decoded band
  std::int64_t loaded_band_ = -1;
};

}  // namespace astropixel::pyramid
