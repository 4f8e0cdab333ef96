#pragma once
// The input side of the pyramid engine, the only user of libvips: sniffs the format from content,
// checks the pixel count from the header before any pixel is decoded, and streams the image top to
// bottom as 8-bit display pixels in bounded memory.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/error.hpp"
#include "core/error_catalogue.hpp"
#include "pyramid/float_rows.hpp"
#include "pyramid/overview.hpp"
#include "pyramid/stretch.hpp"

namespace astropixel::pyramid {

struct SourceInfo {
  std::string format;  // "tiff", "png", "jpeg", "jp2k", "webp", "fits"
  std::uint32_t width = 0, height = 0;
  int bands = 0;                      // of the source
  std::string sample_format;          // "uchar", "ushort", "float", ...
  int bit_depth = 0;                  // bits per sample of the source (set by probe)
  int display_bands = 0;              // 1-4 bands of 8-bit display pixels
  std::string stretch_json;           // the stretch applied; empty for 8-bit data shown as is
  std::string data_stats_json;        // mono 16-bit/float/FITS: stretch_statistics.hpp's DataStatistics
  std::uint64_t blank_pixels = 0;     // NaN or BLANK values: transparent (PNG/WebP) or black (JPEG)
  std::uint32_t statistics_rows = 0;  // rows the statistics pass read (all of them, or a sample)
  std::string georeference_json;      // GeoTIFF: pyramid/georeference.hpp's JSON; empty otherwise
  std::string wcs_json;               // FITS with a celestial WCS: pyramid/fits_wcs.hpp's JSON
  std::string fits_json;              // FITS: HDUs, the one shown, planes, keywords, headers (float_rows.hpp)
  int fits_hdu = -1;                  // FITS: the HDU shown (0-based)
  bool colour_managed = false;        // converted from an embedded ICC profile to sRGB
};

// Once per process: block libvips' untrusted loaders except FITS and JPEG 2000, route its warnings
// to our log. Safe to call repeatedly.
void init_image_library();

// Watches the statistics pass of 16-bit and float sources (a full decode before the first tile):
// `rows` hears how far it is after each strip and returns false to stop it (cancellation).
struct FirstPassHooks {
  std::function<bool(std::uint32_t rows_done, std::uint32_t rows_total)> rows;
  // Also average the pass's rows into the overview (Source::overview), where it reads them all or
  // can read a row of each block cheaply.
  bool overview = false;
};

class Source {
 public:
  // Errors: not_found, unsupported_media_type (unsupported_format: lists what is accepted),
  // unprocessable (corrupt_image, pixel_limit_exceeded, unsupported_pixel_format).
  // 16-bit and float data are stretched to 8 bits with `stretch`, fitted in a first pass over the
  // image that samples its values; 8-bit data passes through unchanged.
  static Result<std::unique_ptr<Source>> open(std::filesystem::path const& path, std::uint64_t max_pixels,
                                              StretchOptions const& stretch = {},
                                              FitsSelection const& selection = {},
                                              FirstPassHooks const& hooks = {});
  ~Source();

  SourceInfo const& info() const { return info_; }
  // Decodes rows [y, y + rows) into `out` (width × display_bands bytes per row). Rows must be read
  // top to bottom. Errors: unprocessable (corrupt_image: truncated or damaged data).
  Status read_rows(std::uint32_t y, std::uint32_t rows, unsigned char* out);
  // Whether the source is one band of stretched data (16-bit, float, FITS): then data_rows() holds
  // the original values of the rows the last read_rows decoded, width floats per row, NaN = blank.
  bool has_data() const;
  std::span<float const> data_rows() const;
  // Bands of original values to keep at full resolution beside the display tiles when there is no
  // data pyramid (colour data, 8-bit images; ADR 0031): 0 when has_data(), or when the display
  // pixels were converted (ICC profile, another colour space) and the original values are not at
  // hand. value_rows() holds them for the rows the last read_rows decoded (width × value_bands()
  // floats per row) when they were stretched; it is empty when the display bytes are the values.
  int value_bands() const;
  std::span<float const> value_rows() const;
  // The whole image at the preview's scale (preview_factor), in display pixels, made without
  // decoding the image again: for stretched data from the statistics pass (when `hooks.overview`
  // was set at open), for a strip TIFF from a row of each block. Empty when it would cost a large
  // part of a decode (PNG, JPEG, tiled TIFF, ...). Call before the first read_rows. Errors: as
  // read_rows.
  Result<std::optional<Overview>> overview();

 private:
  struct Impl;
  explicit Source(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  SourceInfo info_;
};

// Reads only what a header tells: format (by content), size of the chosen FITS HDU/plane, bands,
// sample format and bit depth. Fast at any file size, so uploads can be checked when they finish.
// Errors: as Source::open, without the stretch.
Result<SourceInfo> probe(std::filesystem::path const& path, std::uint64_t max_pixels,
                         FitsSelection const& selection = {});

// Reads up to out.size() bytes of a stored blob at `offset`; returns the count.
using StoredRead = std::function<Result<std::size_t>(std::uint64_t offset, std::span<char> out)>;

// probe() for an image in an object store, without fetching it whole: libvips reads the header
// through ranged reads; FITS headers are fetched into a sparse file in `scratch`. Errors: as probe,
// and the read's errors.
Result<SourceInfo> probe_stored(StoredRead const& read, std::uint64_t size, std::uint64_t max_pixels,
                                std::filesystem::path const& scratch);

std::string_view accepted_formats();

// How many of a file's first bytes sniff_head needs: the longest signature is 12 bytes (WebP).
inline constexpr std::size_t kSniffBytes = 16;
// The early verdict on a file from its first bytes, before the rest arrives (uploads refuse a PDF
// at its first request, not after 40 GB): unsupported_format when `head` (the first kSniffBytes
// bytes, or the whole file if shorter) starts like none of the accepted formats, by the signatures
// the build itself falls back on. gzip and Unix compress pass (FITS inside shows only once
// inflated); the full check stays with probe() on the whole file.
Status sniff_head(std::string_view head);

// Returns freed heap to the system after a build (libvips' operation cache is kept off), so a
// long-running server's resident memory reflects what it is doing now.
void release_caches();

// libvips' name of a FITS BITPIX's sample format ("short", "float", ...), as SourceInfo gives it.
std::string_view sample_format_of_bitpix(int bitpix);

// Whether an error's detail is a decoder's own text (libvips, libtiff, cfitsio, zlib), which can
// name server paths: log it, and show the client the error's sentence alone.
inline bool detail_is_decoder_text(Error const& e) {
  return e.reason == errc::corrupt_image.code && !e.detail.empty();
}

}  // namespace astropixel::pyramid
