#include "tiles/region_renderer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vips/vips8>

#include "pyramid/encoder.hpp"
#include "pyramid/source.hpp"

namespace astropixel::tiles {

using vips::VImage;

namespace {

Error failed(std::string what) {
  return make_error(ErrorCode::internal, "The image could not be rendered", std::move(what));
}

std::string_view mime(std::string_view format) {
  if (format == "png") return "image/png";
  if (format == "webp") return "image/webp";
  if (format == "tif") return "image/tiff";
  return "image/jpeg";
}

}  // namespace

Result<Rendered> render_region(pyramid::PackReader const& pack, iiif::ImageRequest const& req) {
  pyramid::init_image_library();
  auto const& g = pack.geometry();
  // The coarsest level whose region is still at least the output size: each level up halves.
  int level = g.max_level();
  std::uint64_t scale = 1;
  while (level > 0 && req.w / (scale * 2.0) >= req.width && req.h / (scale * 2.0) >= req.height) {
    --level;
    scale *= 2;
  }
  double const s = static_cast<double>(scale);
  auto lw = g.level_width(level), lh = g.level_height(level);
  auto x0 = static_cast<std::uint32_t>(std::floor(req.x / s));
  auto y0 = static_cast<std::uint32_t>(std::floor(req.y / s));
  auto x1 = std::min<std::uint32_t>(lw, static_cast<std::uint32_t>(std::ceil((req.x + req.w) / s)));
  auto y1 = std::min<std::uint32_t>(lh, static_cast<std::uint32_t>(std::ceil((req.y + req.h) / s)));
  x1 = std::max(x1, x0 + 1), y1 = std::max(y1, y0 + 1);
  auto T = g.tile_size();
  auto c0 = x0 / T, c1 = (x1 - 1) / T, r0 = y0 / T, r1 = (y1 - 1) / T;
  try {
    std::vector<VImage> tiles;
    int bands = 0;
    for (auto row = r0; row <= r1; ++row) {
      for (auto col = c0; col <= c1; ++col) {
        auto bytes = pack.tile(level, col, row);
        if (!bytes) return bytes.error();
        // Decoded at once: the buffer is this loop's.
        auto img = VImage::new_from_buffer(bytes->data(), bytes->size(), "").copy_memory();
        bands = std::max(bands, img.bands());
        tiles.push_back(img);
      }
    }
    for (auto& t : tiles) {
      if (t.bands() == bands) continue;
      // Grey among colour tiles (the encoder may store flat tiles so): widen to the most bands.
      if (t.bands() == 1)
        t = t.bandjoin(std::vector<VImage>(static_cast<std::size_t>(bands - 1), t));
      else
        t = t.extract_band(0, VImage::option()->set("n", bands));
    }
    // Edge tiles are smaller, but they sit at the right and bottom: the grid's padding lies outside
    // the image, which the crop below never reaches.
    VImage all = VImage::arrayjoin(tiles, VImage::option()->set("across", static_cast<int>(c1 - c0 + 1)));
    VImage img = all.extract_area(static_cast<int>(x0 - c0 * T), static_cast<int>(y0 - r0 * T),
                                  static_cast<int>(x1 - x0), static_cast<int>(y1 - y0));
    if (img.width() != static_cast<int>(req.width) || img.height() != static_cast<int>(req.height)) {
      img = img.resize(static_cast<double>(req.width) / img.width(),
                       VImage::option()->set("vscale", static_cast<double>(req.height) / img.height()));
      // resize may land a pixel off the exact size: crop or extend to it.
      if (img.width() != static_cast<int>(req.width) || img.height() != static_cast<int>(req.height))
        img = img.embed(0, 0, static_cast<int>(req.width), static_cast<int>(req.height),
                        VImage::option()->set("extend", VIPS_EXTEND_COPY));
    }
    if (req.mirror) img = img.flip(VIPS_DIRECTION_HORIZONTAL);
    if (req.rotation == 90) img = img.rot(VIPS_ANGLE_D90);
    if (req.rotation == 180) img = img.rot(VIPS_ANGLE_D180);
    if (req.rotation == 270) img = img.rot(VIPS_ANGLE_D270);
    if (req.quality == iiif::Quality::gray || req.quality == iiif::Quality::bitonal) {
      bool alpha = img.bands() == 2 || img.bands() == 4;
      VImage grey =
          img.bands() >= 3
              ? img.extract_band(0, VImage::option()->set("n", 3)).colourspace(VIPS_INTERPRETATION_B_W)
              : img.extract_band(0);
      if (req.quality == iiif::Quality::bitonal) grey = (grey > 127);
      img = alpha ? grey.bandjoin(img.extract_band(img.bands() - 1)) : grey;
    }
    img = img.cast(VIPS_FORMAT_UCHAR);
    Rendered out;
    out.content_type = std::string(mime(req.format));
    if (req.format == "tif") {
      void* buf = nullptr;
      std::size_t size = 0;
      img.write_to_buffer(".tif", &buf, &size);
      out.bytes.assign(static_cast<unsigned char*>(buf), static_cast<unsigned char*>(buf) + size);
      g_free(buf);
      return out;
    }
    auto memory = img.copy_memory();
    std::size_t n = 0;
    auto* px = static_cast<unsigned char const*>(memory.write_to_memory(&n));
    auto format = pyramid::parse_tile_format(req.format);
    if (!format) {
      g_free(const_cast<unsigned char*>(px));
      return format.error();
    }
    pyramid::TileEncoder encoder(*format, 90);
    pyramid::PixelView view{
        px, memory.width(), memory.height(), memory.bands(),
        static_cast<std::size_t>(memory.width()) * static_cast<std::size_t>(memory.bands())};
    auto encoded = encoder.encode(view, out.bytes);
    g_free(const_cast<unsigned char*>(px));
    if (!encoded) return encoded.error();
    return out;
  } catch (vips::VError const& e) {
    return failed(e.what());
  }
}

}  // namespace astropixel::tiles
