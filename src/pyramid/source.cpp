#include "pyramid/source.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <optional>
#include <vips/vips8>

#include "core/allocator.hpp"
#include "core/error_catalogue.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "pyramid/data_tile.hpp"
#include "pyramid/fits_layout.hpp"
#include "pyramid/fits_wcs.hpp"
#include "pyramid/float_rows.hpp"
#include "pyramid/georeference.hpp"
#include "pyramid/gunzip.hpp"
#include "pyramid/png_reader.hpp"
#include "pyramid/read_ahead.hpp"
#include "pyramid/stretch_statistics.hpp"
#include "pyramid/tiff_reader.hpp"

namespace astropixel::pyramid {

using vips::VImage;

namespace {

void vips_log_handler(char const*, GLogLevelFlags level, char const* message, void*) {
  log::write(level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL) ? log::Level::error : log::Level::warn,
             "vips", {{"message", message ? message : ""}});
}

Error unsupported(std::string detail) {
  Error e = make_error(ErrorCode::unsupported_media_type, "Unsupported image format",
                       detail + ". Accepted: " + std::string(accepted_formats()));
  e.reason = errc::unsupported_format.code;
  return e;
}

Error corrupt(std::string detail) {
  Error e = make_error(ErrorCode::unprocessable, "The image is corrupt or truncated", std::move(detail));
  e.reason = errc::corrupt_image.code;
  return e;
}

std::string last_vips_error() {
  std::string text = vips_error_buffer();
  vips_error_clear();
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// Maps libvips' loader nickname to our format name; empty for loaders we do not accept.
std::string format_of_loader(std::string_view loader) {
  if (loader.starts_with("VipsForeignLoadTiff")) return "tiff";
  if (loader.starts_with("VipsForeignLoadPng") || loader.starts_with("VipsForeignLoadSpng")) return "png";
  if (loader.starts_with("VipsForeignLoadJpeg")) return "jpeg";
  if (loader.starts_with("VipsForeignLoadJp2k")) return "jp2k";
  if (loader.starts_with("VipsForeignLoadWebp")) return "webp";
  if (loader.starts_with("VipsForeignLoadFits")) return "fits";
  return {};
}

// The name of an accepted format whose signature starts `head` (the file's first 16 bytes), even
// when libvips cannot open it: a damaged TIFF is "corrupt", not "unsupported".
std::string_view signature_of(std::string_view h) {
  using namespace std::string_view_literals;  // the signatures hold NUL bytes
  if (h.starts_with("II*\0"sv) || h.starts_with("MM\0*"sv) || h.starts_with("II+\0"sv) ||
      h.starts_with("MM\0+"sv)) {
    return "TIFF";
  }
  if (h.starts_with("\x89PNG\r\n\x1a\n"sv)) return "PNG";
  if (h.starts_with("\xff\xd8\xff"sv)) return "JPEG";
  if (h.starts_with("SIMPLE  ="sv)) return "FITS";
  if (h.starts_with("\0\0\0\x0cjP  "sv) || h.starts_with("\xff\x4f\xff\x51"sv)) return "JPEG 2000";
  if (h.starts_with("RIFF"sv) && h.size() >= 12 && h.substr(8, 4) == "WEBP"sv) return "WebP";
  return {};
}

std::string_view signature_of(std::filesystem::path const& path) {
  char head[16] = {};
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return {};
  auto n = std::fread(head, 1, sizeof head, f);
  std::fclose(f);
  return signature_of(std::string_view(head, n));
}

}  // namespace

void release_caches() {
  // The operation cache is off (init_image_library); what remains is heap the allocator holds.
  release_free_heap();
}

Status sniff_head(std::string_view head) {
  head = head.substr(0, std::min(head.size(), kSniffBytes));
  if (!signature_of(head).empty() || is_gzip(head) || is_lzw(head)) return {};
  return unsupported("The file's content is not a recognised image");
}

std::string_view accepted_formats() {
  return "TIFF/BigTIFF/GeoTIFF, PNG, JPEG, JPEG 2000, WebP, FITS";
}

void init_image_library() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("astropixel") != 0)
      throw std::runtime_error("libvips failed to start: " + last_vips_error());
    // Untrusted input: only the loaders we accept and trust; FITS and JPEG 2000 are "untrusted" in
    // libvips' classification but needed (stack.md).
    vips_block_untrusted_set(TRUE);
    vips_operation_block_set("VipsForeignLoadFits", FALSE);
    vips_operation_block_set("VipsForeignLoadJp2k", FALSE);
    vips_concurrency_set(1);
    // Each build opens its inputs once and streams them: libvips' operation cache would only keep
    // finished images alive between jobs. (vips_cache_drop_all() is not a way to empty it: it
    // destroys the cache for good and later operations crash.)
    vips_cache_set_max(0);
    g_log_set_handler("VIPS",
                      static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE |
                                                  G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR),
                      vips_log_handler, nullptr);
  });
}

struct Source::Impl {
  VImage display;
  VipsRegion* region = nullptr;
  // The stretch path: float rows converted to 8 bits here.
  std::optional<Stretch> stretch;
  std::unique_ptr<FloatRows> float_rows;
  std::vector<float> float_strip;
  int data_bands = 0;
  int value_bands = 0;  // kept beside the display (ADR 0031); 0 for mono data (the data pyramid has them)
  bool alpha = false;
  // The TIFF fast path, when it applies: rows come from libtiff directly.
  std::unique_ptr<TiffReader> tiff;
  // A gzip-compressed FITS file's inflated copy, read by float_rows.
  std::unique_ptr<ScratchFile> inflated;
  // 8-bit display rows from libvips or the PNG fast path, decoded on a thread of their own.
  std::unique_ptr<ReadAhead> ahead;
  // Made at open from the statistics pass (stretched data), or on demand (a TIFF).
  std::optional<Overview> overview;
  std::filesystem::path path;  // of a TIFF read by the fast path: its reduced pages, for the overview
  ~Impl() {
    ahead.reset();  // its thread may be using the decoder
    if (region) g_object_unref(region);
  }
};

namespace {

constexpr std::size_t kSampleTarget = 2'000'000;

// The float data bands the stretch works on: grey, or the first three (colour) bands.
VImage data_bands_of(VImage image) {
  int bands = image.bands() >= 3 ? 3 : 1;
  if (image.bands() != bands) image = image.extract_band(0, VImage::option()->set("n", bands));
  return image.cast(VIPS_FORMAT_FLOAT);
}

Error too_large(SourceInfo const& info, std::uint64_t max_pixels) {
  Error e =
      make_error(ErrorCode::unprocessable, "Image too large",
                 std::to_string(info.width) + "×" + std::to_string(info.height) +
                     " pixels exceeds the limit of " + std::to_string(max_pixels) + " (MAX_IMAGE_PIXELS)");
  e.reason = errc::pixel_limit_exceeded.code;
  return e;
}

// libvips as a FloatRows: 16-bit and float data of every format but FITS.
class VipsRows final : public FloatRows {
 public:
  static Result<std::unique_ptr<FloatRows>> open(std::filesystem::path const& path) {
    auto r = std::make_unique<VipsRows>();
    try {
      r->image_ = data_bands_of(VImage::new_from_file(
          path.c_str(),
          VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL)->set("fail_on", VIPS_FAIL_ON_ERROR)));
    } catch (vips::VError const& e) {
      return corrupt(e.what());
    }
    r->region_ = vips_region_new(r->image_.get_image());
    if (!r->region_) return corrupt(last_vips_error());
    return std::unique_ptr<FloatRows>(std::move(r));
  }
  ~VipsRows() override {
    if (region_) g_object_unref(region_);
  }
  std::uint32_t width() const override { return static_cast<std::uint32_t>(image_.width()); }
  std::uint32_t height() const override { return static_cast<std::uint32_t>(image_.height()); }
  int bands() const override { return image_.bands(); }
  Status read(std::uint32_t y, std::uint32_t rows, float* out) override {
    VipsRect rect{0, static_cast<int>(y), image_.width(), static_cast<int>(rows)};
    if (vips_region_prepare(region_, &rect) != 0) return corrupt(last_vips_error());
    std::size_t row_floats = static_cast<std::size_t>(image_.width()) * image_.bands();
    for (std::uint32_t r = 0; r < rows; ++r) {
      auto const* p = reinterpret_cast<float const*>(VIPS_REGION_ADDR(region_, 0, static_cast<int>(y + r)));
      std::copy_n(p, row_floats, out + r * row_floats);
    }
    return {};
  }

 private:
  VImage image_;
  VipsRegion* region_ = nullptr;
};

// 8-bit display rows of a libvips image, top to bottom, for ReadAhead: the region is made on the
// first read, on the thread that reads.
class VipsStrip {
 public:
  explicit VipsStrip(VImage image) : image_(std::move(image)) {}
  ~VipsStrip() {
    if (region_) g_object_unref(region_);
  }
  VipsStrip(VipsStrip const&) = delete;
  VipsStrip& operator=(VipsStrip const&) = delete;
  Status read(std::uint32_t rows, unsigned char* out) {
    if (!region_) region_ = vips_region_new(image_.get_image());
    if (!region_) return corrupt(last_vips_error());
    VipsRect rect{0, static_cast<int>(y_), image_.width(), static_cast<int>(rows)};
    if (vips_region_prepare(region_, &rect) != 0) return corrupt(last_vips_error());
    auto row_bytes = static_cast<std::size_t>(image_.width()) * static_cast<std::size_t>(image_.bands());
    for (std::uint32_t r = 0; r < rows; ++r) {
      auto const* src = VIPS_REGION_ADDR(region_, 0, static_cast<int>(y_ + r));
      std::memcpy(out + r * row_bytes, src, row_bytes);
    }
    y_ += rows;
    return {};
  }

 private:
  VImage image_;
  VipsRegion* region_ = nullptr;
  std::uint32_t y_ = 0;
};

struct Sampled {
  std::vector<float> values;  // finite values
  std::uint64_t blank = 0;    // NaN or blank pixels in the rows read
  float min = std::numeric_limits<float>::infinity(), max = -std::numeric_limits<float>::infinity();
  std::uint32_t rows_read = 0;
};

// First pass: a strided sample of finite values, and the count of NaN/blank pixels. Sources with
// random access are read in bands of 256 rows, every k-th band once the image holds far more values
// than the sample needs (k chosen so about 16 × kSampleTarget values are read); sequential sources
// are read whole.
Result<Sampled> sample_values(FloatRows& rows_in, FirstPassHooks const& hooks, BlockMeans* means) {
  constexpr std::size_t kBand = 256;
  auto width = static_cast<std::size_t>(rows_in.width()), height = static_cast<std::size_t>(rows_in.height());
  auto bands = static_cast<std::size_t>(rows_in.bands());
  std::size_t total = width * height * bands;
  std::size_t band_step =
      rows_in.random_access() ? std::max<std::size_t>(1, total / (16 * kSampleTarget)) : 1;
  std::size_t step = std::max<std::size_t>(1, total / band_step / kSampleTarget);
  Sampled out;
  std::vector<float> strip(width * bands * kBand);
  out.values.reserve(kSampleTarget + width);
  std::uint64_t index = 0;
  for (std::size_t y = 0; y < height; y += kBand * band_step) {
    auto rows = static_cast<std::uint32_t>(std::min(kBand, height - y));
    if (auto s = rows_in.read(static_cast<std::uint32_t>(y), rows, strip.data()); !s) return s.error();
    out.rows_read += rows;
    if (means && band_step == 1) {
      for (std::uint32_t r = 0; r < rows; ++r)
        means->add_row(static_cast<std::uint32_t>(y) + r, strip.data() + r * width * bands);
    }
    for (std::size_t i = 0; i < rows * width * bands; ++i, ++index) {
      float v = strip[i];
      if (!std::isfinite(v)) {
        ++out.blank;
        continue;
      }
      out.min = std::min(out.min, v);
      out.max = std::max(out.max, v);
      if (index % step == 0) out.values.push_back(v);
    }
    auto done = static_cast<std::uint32_t>(y + rows);
    if (hooks.rows && !hooks.rows(done, static_cast<std::uint32_t>(height)))
      return make_error(ErrorCode::cancelled, "Cancelled");
  }
  return out;
}

// Stretched values (`data_bands` interleaved, NaN blank) as display pixels: grey or a colour map,
// plus an alpha band when `alpha` (opaque where every band is finite).
void map_to_display(std::span<float const> values, int data_bands, Stretch const& st, bool alpha,
                    unsigned char* out) {
  if (st.colour_bands() > 1) {  // a colour map: mono data only
    map_values_into(values, st, alpha, out);
    return;
  }
  if (!alpha) {  // the common case: one table lookup per value (NaN maps to 0)
    for (std::size_t i = 0, n = values.size(); i < n; ++i) out[i] = st.map(values[i]);
    return;
  }
  auto const db = static_cast<std::size_t>(data_bands);
  for (std::size_t i = 0, n = values.size() / db; i < n; ++i) {
    auto const* p = values.data() + i * db;
    auto* o = out + i * (db + 1);
    bool valid = true;
    for (std::size_t b = 0; b < db; ++b) {
      valid = valid && std::isfinite(p[b]);
      o[b] = st.map(p[b]);
    }
    o[db] = valid ? 255 : 0;
  }
}

// Our format name for what libvips' sniffers chose (`loader`, null when none did), given the
// signature the file starts with. Errors: corrupt_image, unsupported_format.
Result<std::string> format_for(char const* loader, std::string_view known) {
  if (!loader) last_vips_error();
  auto format = loader ? format_of_loader(loader) : std::string();
  if (!format.empty()) return format;
  // A damaged file of an accepted format finds no loader, or falls through to a catch-all one
  // (ImageMagick).
  if (!known.empty())
    return corrupt("The file starts like a " + std::string(known) + " image but cannot be read");
  return unsupported(loader ? "This kind of file is not accepted"
                            : "The file's content is not a recognised image");
}

// Opens the header with `open` (no pixel is decoded, so the pixel check can come first).
template <typename Open>
Result<std::pair<SourceInfo, VImage>> read_header(std::string format, Open open) {
  SourceInfo info;
  info.format = std::move(format);
  VImage image;
  try {
    image = open(VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL)->set("fail_on", VIPS_FAIL_ON_ERROR));
  } catch (vips::VError const& e) {
    return corrupt(e.what());
  }
  info.width = static_cast<std::uint32_t>(image.width());
  info.height = static_cast<std::uint32_t>(image.height());
  info.bands = image.bands();
  info.sample_format = vips_enum_nick(VIPS_TYPE_BAND_FORMAT, image.format());
  return std::pair{info, image};
}

// A FITS file as cfitsio reads it: the file itself, or the inflated copy of a gzip-compressed one.
struct FitsInput {
  std::filesystem::path path;
  std::unique_ptr<ScratchFile> inflated;
};

// FITS is read by cfitsio alone (libvips' FITS loader refuses much of what astronomers have:
// BITPIX 64, more than three axes, images in extensions after tables, ...). Null when the file is
// not FITS. A gzip member holding FITS is inflated to a scratch file: at most what the pixel limit
// allows at 8 bytes a value, plus 1 GiB for headers and other HDUs.
Result<std::optional<FitsInput>> fits_input(std::filesystem::path const& path, std::uint64_t max_pixels) {
  char head[16] = {};
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return make_error(ErrorCode::not_found, "Input file not found");
  auto n = std::fread(head, 1, sizeof head, f);
  std::fclose(f);
  std::string_view h(head, n);
  if (signature_of(h) == "FITS") return std::optional<FitsInput>(FitsInput{path, nullptr});
  std::uint64_t cap = max_pixels > (1ull << 60) / 8 ? (1ull << 60) : max_pixels * 8 + (1ull << 30);
  if (is_lzw(h)) {
    // Unix compress: what is inside shows only once decompressed (cfitsio would do it in memory).
    auto scratch = uncompress_to_scratch(path, cap);
    if (!scratch) return scratch.error();
    char inner[16] = {};
    std::FILE* g = std::fopen((*scratch)->path().c_str(), "rb");
    auto got = g ? std::fread(inner, 1, sizeof inner, g) : 0;
    if (g) std::fclose(g);
    if (signature_of(std::string_view(inner, got)) != "FITS") return std::optional<FitsInput>();
    auto inflated = (*scratch)->path();
    return std::optional<FitsInput>(FitsInput{inflated, std::move(*scratch)});
  }
  if (!is_gzip(h) || !inflated_head(path).starts_with("SIMPLE  =")) return std::optional<FitsInput>();
  auto scratch = gunzip_to_scratch(path, cap);
  if (!scratch) return scratch.error();
  auto inflated = (*scratch)->path();
  return std::optional<FitsInput>(FitsInput{inflated, std::move(*scratch)});
}

// The SourceInfo of a FITS image (no pixel read). Errors: as describe_fits.
Result<SourceInfo> fits_info(FitsInput const& in, FitsSelection const& selection) {
  auto d = describe_fits(in.path, selection);
  if (!d) return d.error();
  SourceInfo info;
  info.format = "fits";
  info.width = d->width;
  info.height = d->height;
  info.bands = 1;
  info.sample_format = std::string(sample_format_of_bitpix(d->bitpix));
  info.bit_depth = std::abs(d->bitpix);
  info.fits_json = to_json(*d);
  info.fits_hdu = d->hdu;
  return info;
}

// Sniffs the format from content and opens the image's header (no pixel is decoded).
Result<std::pair<SourceInfo, VImage>> open_header(std::filesystem::path const& path) {
  init_image_library();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return make_error(ErrorCode::not_found, "Input file not found");
  // Decided by content: libvips asks each loader's sniffer, the file name plays no part.
  auto format = format_for(vips_foreign_find_load(path.c_str()), signature_of(path));
  if (!format) return format.error();
  return read_header(*format, [&](vips::VOption* o) { return VImage::new_from_file(path.c_str(), o); });
}

int bits_of(VipsBandFormat f) {
  switch (f) {
    case VIPS_FORMAT_UCHAR:
    case VIPS_FORMAT_CHAR:
      return 8;
    case VIPS_FORMAT_USHORT:
    case VIPS_FORMAT_SHORT:
      return 16;
    case VIPS_FORMAT_UINT:
    case VIPS_FORMAT_INT:
    case VIPS_FORMAT_FLOAT:
    case VIPS_FORMAT_COMPLEX:
      return 32;
    case VIPS_FORMAT_DOUBLE:
    case VIPS_FORMAT_DPCOMPLEX:
      return 64;
    default:
      return 0;
  }
}

// Decompression bombs and images that cannot be streamed (docs/adr/0018), decided from the header
// before a pixel is decoded:
//  - a decoded size of more than kBombFloorBytes that is over kMaxDecodeRatio times the file's
//    size is a bomb: deflate peaks near 1000:1 on constant data, real images (noise, stars, even
//    mosaics with wide blank borders) stay far below 500:1, and a legitimately blank gigapixel image
//    is worth nothing;
//  - progressive JPEG and interlaced PNG are decoded whole in memory (libjpeg's coefficient buffer,
//    libvips' interlaced PNG loader): refused above kWholeImageDecodeBytes, so every build stays
//    within its memory target; baseline JPEG, non-interlaced PNG and TIFF stream in any size.
constexpr double kBombFloorBytes = 1024.0 * 1024 * 1024;
constexpr double kMaxDecodeRatio = 500;
constexpr double kWholeImageDecodeBytes = 256.0 * 1024 * 1024;

std::string mib(double bytes) {
  return std::to_string(static_cast<std::uint64_t>(bytes / (1024 * 1024))) + " MiB";
}

// `bits` per sample; `whole_decode` when the header says the loader must decode the image whole.
Status check_decode_cost(SourceInfo const& info, int bits, bool whole_decode, std::uint64_t file_bytes) {
  double pixels = static_cast<double>(info.width) * info.height;
  double decoded = pixels * std::max(1, info.bands) * std::max(1, bits / 8);
  std::string size = std::to_string(info.width) + "×" + std::to_string(info.height);
  if (decoded > kBombFloorBytes && decoded > kMaxDecodeRatio * static_cast<double>(file_bytes)) {
    Error e = make_error(ErrorCode::unprocessable, "The image is a decompression bomb",
                         "a " + std::to_string(file_bytes) + "-byte file claims " + size + " pixels (" +
                             mib(decoded) + " decoded, over " +
                             std::to_string(static_cast<int>(kMaxDecodeRatio)) + " times its size)");
    e.reason = errc::decompression_bomb.code;
    return e;
  }
  if (!whole_decode) return {};
  // libjpeg keeps every DCT coefficient (2 bytes a sample, before chroma subsampling).
  bool jpeg = info.format == "jpeg";
  double whole = jpeg ? pixels * std::max(1, info.bands) * 2 : decoded;
  if (whole <= kWholeImageDecodeBytes) return {};
  Error e = make_error(
      ErrorCode::unprocessable, "The image must be decoded whole and is too large for that",
      std::string(jpeg ? "a progressive JPEG" : "an interlaced PNG") + " of " + size + " pixels needs " +
          mib(whole) + " of memory to decode (at most " + mib(kWholeImageDecodeBytes) +
          "); save it as a baseline JPEG, a non-interlaced PNG or a tiled TIFF, which are read in strips");
  e.reason = errc::image_not_streamable.code;
  return e;
}

bool interlaced(VImage const& image) {
  return image.get_typeof("interlaced") != 0 && image.get_int("interlaced") != 0;
}

std::uint64_t file_size_of(std::filesystem::path const& path) {
  std::error_code ec;
  auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : n;
}

// The first steps of reading a local file: the image library ready, the file there, and a FITS
// file's readable copy (itself, or inflated). Errors: not_found, as fits_input.
Result<std::optional<FitsInput>> local_input(std::filesystem::path const& path, std::uint64_t max_pixels) {
  init_image_library();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return make_error(ErrorCode::not_found, "Input file not found");
  return fits_input(path, max_pixels);
}

}  // namespace

Result<SourceInfo> probe(std::filesystem::path const& path, std::uint64_t max_pixels,
                         FitsSelection const& selection) {
  auto fits = local_input(path, max_pixels);
  if (!fits) return fits.error();
  if (*fits) {
    auto info = fits_info(**fits, selection);
    if (!info) return info.error();
    if (static_cast<std::uint64_t>(info->width) * info->height > max_pixels)
      return too_large(*info, max_pixels);
    if (auto c = check_decode_cost(*info, info->bit_depth, false, file_size_of(path)); !c) return c.error();
    return info;
  }
  auto opened = open_header(path);
  if (!opened) return opened.error();
  auto& [info, image] = *opened;
  info.bit_depth = bits_of(image.format());
  if (static_cast<std::uint64_t>(info.width) * info.height > max_pixels) return too_large(info, max_pixels);
  if (auto c = check_decode_cost(info, info.bit_depth, interlaced(image), file_size_of(path)); !c)
    return c.error();
  return info;
}

namespace {

// A libvips source over ranged reads of a stored blob. A read-ahead window makes a header parser's
// many small reads cost few requests; a probe that wants more than kMaxFetched bytes is refused
// (headers are small: a file that needs more is hostile or not worth the wait).
class RangedSource {
 public:
  static constexpr std::size_t kWindow = 256u << 10;
  static constexpr std::uint64_t kMaxFetched = 64u << 20;

  RangedSource(StoredRead const& read, std::uint64_t size) : read_(read), size_(size) {}

  static gint64 on_read(VipsSourceCustom*, void* buffer, gint64 length, RangedSource* self) {
    return self->read(static_cast<char*>(buffer), length);
  }
  static gint64 on_seek(VipsSourceCustom*, gint64 offset, int whence, RangedSource* self) {
    return self->seek(offset, whence);
  }
  bool exhausted() const { return fetched_ > kMaxFetched; }

 private:
  gint64 read(char* out, gint64 length) {
    if (pos_ >= size_ || length <= 0) return 0;
    if (pos_ < start_ || pos_ >= start_ + window_.size()) {
      window_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kWindow, size_ - pos_)));
      fetched_ += window_.size();
      if (exhausted()) return -1;
      auto n = read_(pos_, window_);
      if (!n || *n == 0) return -1;
      window_.resize(*n);
      start_ = pos_;
    }
    auto n = std::min<std::uint64_t>(static_cast<std::uint64_t>(length), start_ + window_.size() - pos_);
    std::memcpy(out, window_.data() + (pos_ - start_), n);
    pos_ += n;
    return static_cast<gint64>(n);
  }
  gint64 seek(gint64 offset, int whence) {
    gint64 base = whence == SEEK_SET   ? 0
                  : whence == SEEK_CUR ? static_cast<gint64>(pos_)
                                       : static_cast<gint64>(size_);
    if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) return -1;
    gint64 to = base + offset;
    if (to < 0) return -1;
    pos_ = static_cast<std::uint64_t>(to);
    return to;
  }

  StoredRead const& read_;
  std::uint64_t size_, pos_ = 0, start_ = 0, fetched_ = 0;
  std::vector<char> window_;
};

// FITS headers copied into a sparse local file as long as the blob: cfitsio needs a file, and the
// data regions stay holes, so the copy costs only the headers' bytes.
Result<SourceInfo> probe_stored_fits(StoredRead const& read, std::uint64_t size, std::uint64_t max_pixels,
                                     std::filesystem::path const& scratch) {
  auto headers = fits_headers(
      [&](std::uint64_t at, std::span<char> out) {
        auto n = read(at, out);
        return n && *n == out.size();
      },
      size);
  if (!headers) return headers.error();
  auto path = scratch / ("probe-" + random_hex(8) + ".fits");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(ErrorCode::unavailable, "Cannot probe the image", std::strerror(errno));
  struct Cleanup {
    std::filesystem::path path;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  } cleanup{path};
  bool ok = ::ftruncate(fd, static_cast<off_t>(size)) == 0;
  std::vector<char> buffer;
  for (auto const& h : *headers) {
    if (!ok) break;
    buffer.resize(static_cast<std::size_t>(h.bytes));
    auto n = read(h.offset, buffer);
    if (!n) {
      ::close(fd);
      return n.error();
    }
    ok = *n == buffer.size() && ::pwrite(fd, buffer.data(), buffer.size(), static_cast<off_t>(h.offset)) ==
                                    static_cast<ssize_t>(buffer.size());
  }
  ::close(fd);
  if (!ok) return make_error(ErrorCode::unavailable, "Cannot probe the image", "scratch file");
  return probe(path, max_pixels);
}

// A gzip-compressed file cannot be probed by ranged reads (the stream must be inflated from its
// start): it is copied whole into `scratch` and probed there.
Result<SourceInfo> probe_stored_copy(StoredRead const& read, std::uint64_t size, std::uint64_t max_pixels,
                                     std::filesystem::path const& scratch) {
  auto path = scratch / ("probe-" + random_hex(8) + ".gz");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(ErrorCode::unavailable, "Cannot probe the image", std::strerror(errno));
  ScratchFile cleanup(path);
  std::vector<char> buffer(8u << 20);
  bool ok = true;
  for (std::uint64_t at = 0; ok && at < size;) {
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size - at));
    auto got = read(at, std::span<char>(buffer.data(), want));
    if (!got) {
      ::close(fd);
      return got.error();
    }
    ok = *got > 0 && ::pwrite(fd, buffer.data(), *got, static_cast<off_t>(at)) == static_cast<ssize_t>(*got);
    at += *got;
  }
  ::close(fd);
  if (!ok) return make_error(ErrorCode::unavailable, "Cannot probe the image", "scratch file");
  return probe(path, max_pixels);
}

}  // namespace

Result<SourceInfo> probe_stored(StoredRead const& read, std::uint64_t size, std::uint64_t max_pixels,
                                std::filesystem::path const& scratch) {
  init_image_library();
  char head[16] = {};
  auto n = read(0, std::span<char>(head, std::min<std::uint64_t>(sizeof head, size)));
  if (!n) return n.error();
  auto known = signature_of(std::string_view(head, *n));
  if (known == "FITS") return probe_stored_fits(read, size, max_pixels, scratch);
  if (is_gzip(std::string_view(head, *n)) || is_lzw(std::string_view(head, *n)))
    return probe_stored_copy(read, size, max_pixels, scratch);

  RangedSource ranged(read, size);
  VipsSourceCustom* custom = vips_source_custom_new();
  g_signal_connect(custom, "read", G_CALLBACK(RangedSource::on_read), &ranged);
  g_signal_connect(custom, "seek", G_CALLBACK(RangedSource::on_seek), &ranged);
  vips::VSource source(VIPS_SOURCE(custom), vips::STEAL);
  auto format = format_for(vips_foreign_find_load_source(VIPS_SOURCE(custom)), known);
  if (!format) return format.error();
  auto opened =
      read_header(*format, [&](vips::VOption* o) { return VImage::new_from_source(source, "", o); });
  if (!opened) {
    if (ranged.exhausted()) return corrupt("The image's header is larger than we read to probe it");
    return opened.error();
  }
  auto& [info, image] = *opened;
  info.bit_depth = bits_of(image.format());
  if (static_cast<std::uint64_t>(info.width) * info.height > max_pixels) return too_large(info, max_pixels);
  if (auto c = check_decode_cost(info, info.bit_depth, interlaced(image), size); !c) return c.error();
  return info;
}

Source::Source(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Source::~Source() = default;

Result<std::unique_ptr<Source>> Source::open(std::filesystem::path const& path, std::uint64_t max_pixels,
                                             StretchOptions const& stretch_options,
                                             FitsSelection const& selection_in, FirstPassHooks const& hooks) {
  auto fits = local_input(path, max_pixels);
  if (!fits) return fits.error();
  SourceInfo info;
  VImage image;
  FitsSelection selection = selection_in;
  if (*fits) {
    auto described = fits_info(**fits, selection);
    if (!described) return described.error();
    info = std::move(*described);
    selection.hdu = info.fits_hdu;  // the one chosen, for the WCS too
  } else {
    auto opened = open_header(path);
    if (!opened) return opened.error();
    info = std::move(opened->first);
    image = std::move(opened->second);
  }
  std::filesystem::path const& fits_path = *fits ? (*fits)->path : path;
  if (static_cast<std::uint64_t>(info.width) * info.height > max_pixels) return too_large(info, max_pixels);
  if (auto c = check_decode_cost(info, *fits ? info.bit_depth : bits_of(image.format()),
                                 !*fits && interlaced(image), file_size_of(path));
      !c)
    return c.error();
  if (info.format == "tiff") {
    if (auto geo = read_georeference(path)) info.georeference_json = to_json(*geo, info.width, info.height);
  }
  try {
    VImage display = image;
    if (info.format == "fits" || display.format() != VIPS_FORMAT_UCHAR) {
      // Two readers: one for the sampling pass, one for the tiles (sources stream top to bottom).
      auto make_rows = [&]() {
        if (info.format == "fits") return open_fits_rows(fits_path, selection);
        if (info.format == "tiff") {
          if (auto tiff = open_tiff_float_rows(path))
            return Result<std::unique_ptr<FloatRows>>(std::move(tiff));
        }
        return VipsRows::open(path);
      };
      auto sampler = make_rows();
      if (!sampler) return sampler.error();
      info.width = (*sampler)->width();
      info.height = (*sampler)->height();
      if (static_cast<std::uint64_t>(info.width) * info.height > max_pixels)
        return too_large(info, max_pixels);
      // The overview from this pass (Source::overview): block means at half the preview's scale,
      // stretched, then halved as the levels are made, which matches the levels' "stretch, then
      // average" better than stretching the means at the preview's scale would (colour data at the
      // preview's scale: three bands of sums).
      std::uint32_t const preview = preview_factor(info.width, info.height);
      int const sampled_bands = (*sampler)->bands();
      std::optional<BlockMeans> means;
      if (hooks.overview)
        means.emplace(info.width, info.height, sampled_bands,
                      sampled_bands == 1 ? std::max(1u, preview / 2) : preview);
      auto sampled = sample_values(**sampler, hooks, means ? &*means : nullptr);
      if (!sampled) return sampled.error();
      if (means && sampled->rows_read != info.height) {
        // A sampled pass: a row from the middle of each block, when rows cost little to read alone
        // (a quarter of the decode at most); otherwise no overview.
        auto& rows = **sampler;
        std::uint32_t const g = means->factor();
        std::uint64_t const blocks = (info.height + g - 1) / g;
        if (rows.random_access() && blocks * rows.rows_per_read() * 4 <= info.height) {
          std::vector<float> row(static_cast<std::size_t>(info.width) * sampled_bands);
          for (std::uint64_t b = 0; b < blocks; ++b) {
            auto y = static_cast<std::uint32_t>(std::min<std::uint64_t>(b * g + g / 2, info.height - 1));
            if (auto s = rows.read(y, 1, row.data()); !s) return s.error();
            means->add_row(y, row.data());
          }
        } else {
          means.reset();
        }
      }
      // The statistics the display controls use, from the same sample the stretch is fitted on
      // (mono data only: the data pyramid is one band).
      auto options = stretch_options;
      bool const mono = (*sampler)->bands() == 1;
      if (!sampled->values.empty()) {
        std::sort(sampled->values.begin(), sampled->values.end());
        auto stats = describe_sample(sampled->values, sampled->min, sampled->max, options.zscale_contrast);
        if (options.kind == StretchKind::histeq && options.quantiles.empty())
          options.quantiles = stats.quantiles;
        if (mono) info.data_stats_json = stats.to_json();
      }
      // A colour map applies to one band of values; colour data keeps its own colours.
      if (!mono) options.colormap = Colormap();
      auto stretch = Stretch::fit(sampled->values, options);
      if (!stretch) return stretch.error();
      auto reader = make_rows();
      if (!reader) return reader.error();
      auto impl = std::make_unique<Impl>();
      impl->data_bands = (*reader)->bands();
      impl->value_bands = impl->data_bands > 1 ? impl->data_bands : 0;
      impl->float_rows = std::move(*reader);
      // Blank pixels become transparent (or black in JPEG). A sampled pass cannot rule them out:
      // data that can hold them gets an alpha band.
      bool whole = sampled->rows_read == info.height;
      impl->alpha = stretch_options.transparent_blanks &&
                    (sampled->blank > 0 || (!whole && impl->float_rows->may_hold_blanks()));
      impl->stretch = *stretch;
      info.display_bands = impl->data_bands * stretch->colour_bands() + (impl->alpha ? 1 : 0);
      if (means) {
        auto values = means->means();
        Overview o{means->width(), means->height(), info.display_bands, {}};
        o.pixels.resize(static_cast<std::size_t>(o.width) * o.height * static_cast<std::size_t>(o.bands));
        map_to_display(values, impl->data_bands, *stretch, impl->alpha, o.pixels.data());
        impl->overview = halve(std::move(o), std::countr_zero(preview / means->factor()));
      }
      info.stretch_json = stretch->describe_json();
      // Counted in the rows read; scaled to the whole image when they were a sample.
      info.blank_pixels =
          whole ? sampled->blank : sampled->blank * info.height / std::max(1u, sampled->rows_read);
      info.statistics_rows = sampled->rows_read;
      if (info.format == "fits") info.wcs_json = read_fits_wcs(fits_path, selection, info.width, info.height);
      if (*fits) impl->inflated = std::move((*fits)->inflated);
      auto src = std::unique_ptr<Source>(new Source(std::move(impl)));
      src->info_ = info;
      return src;
    }
    if (info.format == "tiff") {
      auto tiff = TiffReader::open(path);
      if (tiff && tiff->width() == info.width && tiff->height() == info.height &&
          tiff->bands() == display.bands()) {
        info.display_bands = tiff->bands();
        auto impl = std::make_unique<Impl>();
        impl->value_bands = info.display_bands;
        impl->tiff = std::move(tiff);
        impl->path = path;
        auto src = std::unique_ptr<Source>(new Source(std::move(impl)));
        src->info_ = info;
        return src;
      }
    }
    if (info.format == "png") {
      // Same samples as libvips' loader gives for the files it takes (png_reader.hpp), faster.
      auto png = std::shared_ptr<PngReader>(PngReader::open(path));
      if (png && png->width() == info.width && png->height() == info.height &&
          png->bands() == display.bands()) {
        info.display_bands = png->bands();
        auto impl = std::make_unique<Impl>();
        impl->value_bands = info.display_bands;
        impl->ahead = std::make_unique<ReadAhead>(
            info.height, static_cast<std::size_t>(info.width) * png->bands(),
            [png](std::uint32_t rows, unsigned char* out) { return png->read_rows(rows, out); });
        auto src = std::unique_ptr<Source>(new Source(std::move(impl)));
        src->info_ = info;
        return src;
      }
    }
    // Colour-managed to sRGB when the file carries a profile (a P3 or Adobe RGB photo would look
    // dull or garish otherwise); a profile libvips cannot use is reported and ignored.
    if (display.get_typeof(VIPS_META_ICC_NAME) != 0) {
      try {
        display = display.icc_transform(
            "srgb",
            VImage::option()->set("embedded", true)->set("intent", VIPS_INTENT_PERCEPTUAL)->set("depth", 8));
        info.colour_managed = true;
      } catch (vips::VError const& e) {
        log::warn("icc_profile_ignored", {{"detail", e.what()}});
      }
    }
    auto interp = display.interpretation();
    if (display.bands() > 4) display = display.extract_band(0, VImage::option()->set("n", 4));
    bool converted = info.colour_managed;
    if (display.bands() >= 3 && interp != VIPS_INTERPRETATION_sRGB && interp != VIPS_INTERPRETATION_RGB) {
      display = display.colourspace(VIPS_INTERPRETATION_sRGB);
      converted = true;
    }
    info.display_bands = display.bands();
    auto impl = std::make_unique<Impl>();
    // Unconverted 8-bit pixels are the file's own values: they are kept losslessly beside JPEG tiles.
    if (!converted) impl->value_bands = info.display_bands;
    impl->display = display;
    // libvips' sequential loaders decode on whichever thread asks: the read-ahead thread, which
    // owns the region (a region belongs to the thread that uses it).
    auto rows = std::make_shared<VipsStrip>(display);
    impl->ahead = std::make_unique<ReadAhead>(
        info.height, static_cast<std::size_t>(info.width) * info.display_bands,
        [rows](std::uint32_t n, unsigned char* out) { return rows->read(n, out); });
    auto src = std::unique_ptr<Source>(new Source(std::move(impl)));
    src->info_ = info;
    return src;
  } catch (vips::VError const& e) {
    return corrupt(e.what());
  }
}

Status Source::read_rows(std::uint32_t y, std::uint32_t rows, unsigned char* out) {
  if (impl_->tiff) return impl_->tiff->read_rows(y, rows, out);
  if (impl_->stretch) {
    impl_->float_strip.resize(static_cast<std::size_t>(info_.width) * impl_->data_bands * rows);
    if (auto s = impl_->float_rows->read(y, rows, impl_->float_strip.data()); !s) return s;
    map_to_display(impl_->float_strip, impl_->data_bands, *impl_->stretch, impl_->alpha, out);
    return {};
  }
  return impl_->ahead->read(y, rows, out);
}

Result<std::optional<Overview>> Source::overview() {
  if (impl_->overview || !impl_->tiff) {
    auto made = std::move(impl_->overview);
    impl_->overview.reset();
    return made;
  }
  auto& tiff = *impl_->tiff;
  std::uint32_t const f = preview_factor(info_.width, info_.height);
  // A pyramid TIFF or a cloud-optimised GeoTIFF: its smallest overview page at least the preview
  // level's size, resized to it; a page of more than 16 times that level's pixels (a file with only
  // a half-size overview, say) would cost a decode of its own and is not used.
  std::uint32_t const level_width = (info_.width + f - 1) / f, level_height = (info_.height + f - 1) / f;
  if (int page = tiff.smallest_reduced_page(level_width, level_height, 16ull * level_width * level_height);
      page > 0) {
    try {
      auto image = VImage::new_from_file(impl_->path.c_str(), VImage::option()->set("page", page))
                       .thumbnail_image(static_cast<int>(level_width),
                                        VImage::option()
                                            ->set("height", static_cast<int>(level_height))
                                            ->set("size", VIPS_SIZE_FORCE));
      if (image.bands() == info_.display_bands && image.format() == VIPS_FORMAT_UCHAR &&
          static_cast<std::uint32_t>(image.width()) == level_width &&
          static_cast<std::uint32_t>(image.height()) == level_height) {
        std::size_t size = 0;
        auto* mem = static_cast<unsigned char*>(image.write_to_memory(&size));
        Overview o{level_width, level_height, info_.display_bands,
                   std::vector<unsigned char>(mem, mem + size)};
        g_free(mem);
        return std::optional<Overview>(std::move(o));
      }
    } catch (vips::VError const& e) {
      // A damaged overview page: the rows below, or the preview at the end as before.
      log::warn("tiff_overview_page_unreadable", {{"detail", e.what()}});
    }
  }
  // A strip TIFF: one row in the middle of each block of rows, averaged across the block's width.
  // Worth it when those reads decode at most a quarter of the rows (short strips); a row of tiles
  // would be decoded whole for each.
  std::uint64_t const blocks = (info_.height + f - 1) / f;
  if (blocks * tiff.band_height() * 4 > info_.height) return std::optional<Overview>();
  BlockMeans means(info_.width, info_.height, info_.display_bands, f);
  std::vector<unsigned char> row(static_cast<std::size_t>(info_.width) * info_.display_bands);
  for (std::uint64_t b = 0; b < blocks; ++b) {
    auto y = static_cast<std::uint32_t>(std::min<std::uint64_t>(b * f + f / 2, info_.height - 1));
    if (auto s = tiff.read_rows(y, 1, row.data()); !s) return s.error();
    means.add_row(y, row.data());
  }
  auto values = means.means();
  Overview o{means.width(), means.height(), means.bands(), std::vector<unsigned char>(values.size())};
  for (std::size_t i = 0; i < values.size(); ++i)
    o.pixels[i] = static_cast<unsigned char>(std::lround(std::clamp(values[i], 0.f, 255.f)));
  return std::optional<Overview>(std::move(o));
}

bool Source::has_data() const {
  return impl_->stretch && impl_->data_bands == 1;
}

std::span<float const> Source::data_rows() const {
  if (!has_data()) return {};
  return impl_->float_strip;
}

int Source::value_bands() const {
  return impl_->value_bands;
}

std::span<float const> Source::value_rows() const {
  if (impl_->value_bands == 0 || !impl_->stretch) return {};
  return impl_->float_strip;
}

std::string_view sample_format_of_bitpix(int bitpix) {
  switch (bitpix) {
    case 8:
      return "uchar";
    case 16:
      return "short";
    case 32:
      return "int";
    case 64:
      return "longlong";
    case -32:
      return "float";
    case -64:
      return "double";
    default:
      return "";
  }
}

}  // namespace astropixel::pyramid
