#include "pyramid/source.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <vips/vips8>

#include "core/log.hpp"
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
    g_log_set_handler("VIPS",
                      static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE |
                                                  G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR),
                      vips_log_handler, nullptr);
  });
}

struct Source::Impl {
  VImage display;
  VipsRegion* region = nullptr;
  // The stretch path: `display` holds float data bands; rows are converted here.
  std::optional<Stretch> stretch;
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

// First pass: a strided sample of finite values, and the count of NaN/blank pixels.
Result<std::pair<std::vector<float>, std::uint64_t>> sample_values(std::filesystem::path const& path) {
  VImage image;
  try {
    image = data_bands_of(VImage::new_from_file(
        path.c_str(),
        VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL)->set("fail_on", VIPS_FAIL_ON_ERROR)));
  } catch (vips::VError const& e) {
    return corrupt(e.what());
  }
  VipsRegion* region = vips_region_new(image.get_image());
  std::unique_ptr<VipsRegion, void (*)(void*)> guard(region, g_object_unref);
  auto width = static_cast<std::size_t>(image.width()), height = static_cast<std::size_t>(image.height());
  auto bands = static_cast<std::size_t>(image.bands());
  std::size_t step = std::max<std::size_t>(1, width * height * bands / kSampleTarget);
  std::vector<float> sample;
  sample.reserve(kSampleTarget + width);
  std::uint64_t blank = 0, index = 0;
  for (std::size_t y = 0; y < height; y += 256) {
    int rows = static_cast<int>(std::min<std::size_t>(256, height - y));
    VipsRect rect{0, static_cast<int>(y), static_cast<int>(width), rows};
    if (vips_region_prepare(region, &rect) != 0) return corrupt(last_vips_error());
    for (int r = 0; r < rows; ++r) {
      auto const* p = reinterpret_cast<float const*>(VIPS_REGION_ADDR(region, 0, static_cast<int>(y) + r));
      for (std::size_t i = 0; i < width * bands; ++i, ++index) {
        float v = p[i];
        if (!std::isfinite(v)) {
          ++blank;
          continue;
        }
        if (index % step == 0) sample.push_back(v);
      }
    }
  }
  return std::pair(std::move(sample), blank);
}

}  // namespace

Source::Source(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Source::~Source() = default;

Result<std::unique_ptr<Source>> Source::open(std::filesystem::path const& path, std::uint64_t max_pixels,
                                             StretchOptions const& stretch_options) {
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
  if (static_cast<std::uint64_t>(info.width) * info.height > max_pixels) {
    Error e =
        make_error(ErrorCode::unprocessable, "Image too large",
                   std::to_string(info.width) + "×" + std::to_string(info.height) +
                       " pixels exceeds the limit of " + std::to_string(max_pixels) + " (MAX_IMAGE_PIXELS)");
    e.reason = "pixel_limit_exceeded";
    return e;
  }
  try {
    VImage display = image;
    if (display.format() != VIPS_FORMAT_UCHAR) {
      auto sampled = sample_values(path);
      if (!sampled) return sampled.error();
      auto stretch = Stretch::fit(sampled->first, stretch_options);
      if (!stretch) return stretch.error();
      auto impl = std::make_unique<Impl>();
      impl->display = data_bands_of(image);
      impl->data_bands = impl->display.bands();
      impl->alpha = sampled->second > 0;  // blank pixels become transparent (or black in JPEG)
      impl->stretch = *stretch;
      impl->region = vips_region_new(impl->display.get_image());
      if (!impl->region) return corrupt(last_vips_error());
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
  VipsRect rect{0, static_cast<int>(y), static_cast<int>(info_.width), static_cast<int>(rows)};
  if (vips_region_prepare(impl_->region, &rect) != 0) return corrupt(last_vips_error());
  std::size_t row_bytes = static_cast<std::size_t>(info_.width) * info_.display_bands;
  if (impl_->stretch) {
    auto const& st = *impl_->stretch;
    int db = impl_->data_bands, out_bands = info_.display_bands;
    for (std::uint32_t r = 0; r < rows; ++r) {
      auto const* p =
          reinterpret_cast<float const*>(VIPS_REGION_ADDR(impl_->region, 0, static_cast<int>(y + r)));
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
  for (std::uint32_t r = 0; r < rows; ++r) {
    auto const* src = VIPS_REGION_ADDR(impl_->region, 0, static_cast<int>(y + r));
    std::memcpy(out + r * row_bytes, src, row_bytes);
  }
  return {};
}

}  // namespace astropixel::pyramid
