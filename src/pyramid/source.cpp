#include "pyramid/source.hpp"

#include <malloc.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <vips/vips8>

#include "core/log.hpp"
#include "pyramid/float_rows.hpp"
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
  e.reason = "unsupported_format";
  return e;
}

Error corrupt(std::string detail) {
  Error e = make_error(ErrorCode::unprocessable, "The image is corrupt or truncated", std::move(detail));
  e.reason = "corrupt_image";
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

// The name of an accepted format whose signature starts the file, even when libvips cannot open
// it: a damaged TIFF is "corrupt", not "unsupported".
std::string_view signature_of(std::filesystem::path const& path) {
  char head[16] = {};
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return {};
  auto n = std::fread(head, 1, sizeof head, f);
  std::fclose(f);
  std::string_view h(head, n);
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

}  // namespace

void release_caches() {
  // The operation cache is off (init_image_library); what remains is heap the allocator holds.
  malloc_trim(0);
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
  bool alpha = false;
  // The TIFF fast path, when it applies: rows come from libtiff directly.
  std::unique_ptr<TiffReader> tiff;
  ~Impl() {
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
  e.reason = "pixel_limit_exceeded";
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

// First pass: a strided sample of finite values, and the count of NaN/blank pixels.
Result<std::pair<std::vector<float>, std::uint64_t>> sample_values(FloatRows& rows_in,
                                                                   FirstPassHooks const& hooks) {
  auto width = static_cast<std::size_t>(rows_in.width()), height = static_cast<std::size_t>(rows_in.height());
  auto bands = static_cast<std::size_t>(rows_in.bands());
  std::size_t step = std::max<std::size_t>(1, width * height * bands / kSampleTarget);
  std::vector<float> sample, strip(width * bands * 256);
  sample.reserve(kSampleTarget + width);
  std::uint64_t blank = 0, index = 0;
  for (std::size_t y = 0; y < height; y += 256) {
    auto rows = static_cast<std::uint32_t>(std::min<std::size_t>(256, height - y));
    if (auto s = rows_in.read(static_cast<std::uint32_t>(y), rows, strip.data()); !s) return s.error();
    for (std::size_t i = 0; i < rows * width * bands; ++i, ++index) {
      float v = strip[i];
      if (!std::isfinite(v)) {
        ++blank;
        continue;
      }
      if (index % step == 0) sample.push_back(v);
    }
    auto done = static_cast<std::uint32_t>(y + rows);
    if (hooks.rows && !hooks.rows(done, static_cast<std::uint32_t>(height)))
      return make_error(ErrorCode::cancelled, "Cancelled");
  }
  return std::pair(std::move(sample), blank);
}

// Sniffs the format from content and opens the image's header (no pixel is decoded).
Result<std::pair<SourceInfo, VImage>> open_header(std::filesystem::path const& path) {
  init_image_library();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return make_error(ErrorCode::not_found, "Input file not found");
  // Decided by content: libvips asks each loader's sniffer, the file name plays no part.
  char const* loader = vips_foreign_find_load(path.c_str());
  if (!loader) {
    last_vips_error();
    if (auto known = signature_of(path); !known.empty()) {
      return corrupt("The file starts like a " + std::string(known) + " image but cannot be read");
    }
    return unsupported("The file's content is not a recognised image");
  }
  SourceInfo info;
  info.format = format_of_loader(loader);
  if (info.format.empty()) {
    // A damaged file of an accepted format can fall through to a catch-all loader (ImageMagick).
    if (auto known = signature_of(path); !known.empty()) {
      return corrupt("The file starts like a " + std::string(known) + " image but cannot be read");
    }
    return unsupported("This kind of file is not accepted");
  }

  VImage image;
  try {
    // Opening reads only the header: the pixel check below happens before any pixel is decoded.
    image = VImage::new_from_file(
        path.c_str(),
        VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL)->set("fail_on", VIPS_FAIL_ON_ERROR));
  } catch (vips::VError const& e) {
    return corrupt(e.what());
  }
  info.width = static_cast<std::uint32_t>(image.width());
  info.height = static_cast<std::uint32_t>(image.height());
  info.bands = image.bands();
  info.sample_format = vips_enum_nick(VIPS_TYPE_BAND_FORMAT, image.format());
  return std::pair{info, image};
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

}  // namespace

Result<SourceInfo> probe(std::filesystem::path const& path, std::uint64_t max_pixels,
                         FitsSelection const& selection) {
  auto opened = open_header(path);
  if (!opened) return opened.error();
  auto& [info, image] = *opened;
  info.bit_depth = bits_of(image.format());
  if (info.format == "fits") {
    // libvips reads only the first HDU with data; the chosen HDU and plane decide the size.
    auto rows = open_fits_rows(path, selection);
    if (!rows) return rows.error();
    info.width = (*rows)->width();
    info.height = (*rows)->height();
    info.bands = (*rows)->bands();
  }
  if (static_cast<std::uint64_t>(info.width) * info.height > max_pixels) return too_large(info, max_pixels);
  return info;
}

Source::Source(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Source::~Source() = default;

Result<std::unique_ptr<Source>> Source::open(std::filesystem::path const& path, std::uint64_t max_pixels,
                                             StretchOptions const& stretch_options,
                                             FitsSelection const& selection, FirstPassHooks const& hooks) {
  auto opened = open_header(path);
  if (!opened) return opened.error();
  auto& [info, image] = *opened;
  if (static_cast<std::uint64_t>(info.width) * info.height > max_pixels) return too_large(info, max_pixels);
  try {
    VImage display = image;
    if (info.format == "fits" || display.format() != VIPS_FORMAT_UCHAR) {
      // Two readers: one for the sampling pass, one for the tiles (sources stream top to bottom).
      auto make_rows = [&]() {
        return info.format == "fits" ? open_fits_rows(path, selection) : VipsRows::open(path);
      };
      auto sampler = make_rows();
      if (!sampler) return sampler.error();
      info.width = (*sampler)->width();
      info.height = (*sampler)->height();
      if (static_cast<std::uint64_t>(info.width) * info.height > max_pixels)
        return too_large(info, max_pixels);
      auto sampled = sample_values(**sampler, hooks);
      if (!sampled) return sampled.error();
      auto stretch = Stretch::fit(sampled->first, stretch_options);
      if (!stretch) return stretch.error();
      auto reader = make_rows();
      if (!reader) return reader.error();
      auto impl = std::make_unique<Impl>();
      impl->data_bands = (*reader)->bands();
      impl->float_rows = std::move(*reader);
      impl->alpha = sampled->second > 0;  // blank pixels become transparent (or black in JPEG)
      impl->stretch = *stretch;
      info.display_bands = impl->data_bands + (impl->alpha ? 1 : 0);
      info.stretch_json = stretch->describe_json();
      info.blank_pixels = sampled->second;
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
        impl->tiff = std::move(tiff);
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
    if (display.bands() >= 3 && interp != VIPS_INTERPRETATION_sRGB && interp != VIPS_INTERPRETATION_RGB) {
      display = display.colourspace(VIPS_INTERPRETATION_sRGB);
    }
    info.display_bands = display.bands();
    auto impl = std::make_unique<Impl>();
    impl->display = display;
    impl->region = vips_region_new(display.get_image());
    if (!impl->region) return corrupt(last_vips_error());
    auto src = std::unique_ptr<Source>(new Source(std::move(impl)));
    src->info_ = info;
    return src;
  } catch (vips::VError const& e) {
    return corrupt(e.what());
  }
}

Status Source::read_rows(std::uint32_t y, std::uint32_t rows, unsigned char* out) {
  if (impl_->tiff) return impl_->tiff->read_rows(y, rows, out);
  std::size_t row_bytes = static_cast<std::size_t>(info_.width) * info_.display_bands;
  if (impl_->stretch) {
    auto const& st = *impl_->stretch;
    int db = impl_->data_bands, out_bands = info_.display_bands;
    impl_->float_strip.resize(static_cast<std::size_t>(info_.width) * db * rows);
    if (auto s = impl_->float_rows->read(y, rows, impl_->float_strip.data()); !s) return s;
    for (std::uint32_t r = 0; r < rows; ++r) {
      auto const* p = impl_->float_strip.data() + static_cast<std::size_t>(r) * info_.width * db;
      auto* o = out + r * row_bytes;
      for (std::uint32_t x = 0; x < info_.width; ++x, p += db, o += out_bands) {
        bool valid = true;
        for (int b = 0; b < db; ++b) {
          valid = valid && std::isfinite(p[b]);
          o[b] = std::isfinite(p[b]) ? st.apply(p[b]) : 0;
        }
        if (impl_->alpha) o[db] = valid ? 255 : 0;
      }
    }
    return {};
  }
  VipsRect rect{0, static_cast<int>(y), static_cast<int>(info_.width), static_cast<int>(rows)};
  if (vips_region_prepare(impl_->region, &rect) != 0) return corrupt(last_vips_error());
  for (std::uint32_t r = 0; r < rows; ++r) {
    auto const* src = VIPS_REGION_ADDR(impl_->region, 0, static_cast<int>(y + r));
    std::memcpy(out + r * row_bytes, src, row_bytes);
  }
  return {};
}

}  // namespace astropixel::pyramid
