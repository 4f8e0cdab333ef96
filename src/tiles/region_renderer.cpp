#include "tiles/region_renderer.hpp"

#include <fmt/format.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <vips/vips8>

#include "pyramid/encoder.hpp"
#include "pyramid/source.hpp"
#include "tiles/jpeg_part.hpp"
#include "tiles/resample.hpp"

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

// The common request (rotation 0, colour, not TIFF) over JPEG tiles is drawn without libvips: the
// tiles are decoded by TurboJPEG straight into one buffer and resampled by a small separable filter.
// Per request, vips' pipelines (one per tile, then join, crop and resize, each with its worker
// threads, regions and GObject bookkeeping) cost about three times the decoding itself on the
// small images IIIF asks for (bench/iiif.sh, bench/README.md): uncached, iipsrv was 3× faster.
using Decompressor = std::unique_ptr<void, int (*)(tjhandle)>;

// Part [x0, x1) × [y0, y1) of a decoded tile (in its own pixels) into rows of `out`, as `bands`
// bands: a grey tile among colour ones is widened as its JPEG decodes to RGB (R = G = B).
void copy_part(DecodedTile const& t, int bands, std::uint32_t x0, std::uint32_t y0, std::uint32_t x1,
               std::uint32_t y1, unsigned char* out, std::size_t out_stride) {
  std::size_t const n = x1 - x0;
  for (auto y = y0; y < y1; ++y) {
    unsigned char const* src = t.data.data() + ((static_cast<std::size_t>(y) * t.width) + x0) * t.bands;
    unsigned char* dst = out + static_cast<std::size_t>(y - y0) * out_stride;
    if (t.bands == bands) {
      std::copy_n(src, n * bands, dst);
    } else {
      for (std::size_t i = 0; i < n; ++i) dst[3 * i] = dst[3 * i + 1] = dst[3 * i + 2] = src[i];
    }
  }
}

// The level's pixels [x0, x1) × [y0, y1) from tiles c0..c1 × r0..r1; nullopt when a tile is not a
// JPEG (or one TurboJPEG cannot give as grey or RGB): the caller then takes the vips path. Grey tiles
// stay grey unless a colour tile is among them, as in the vips path. With a cache, tiles are taken
// from it when held, and decoded whole and kept when not (and mostly inside the region); otherwise
// only the part of a tile inside the region is decoded. The pixels are the same either way
// (jpeg_part.hpp).
std::optional<Result<Pixels>> decode_jpeg_region(pyramid::PackReader const& pack, int level, std::uint32_t T,
                                                 std::uint32_t c0, std::uint32_t c1, std::uint32_t r0,
                                                 std::uint32_t r1, std::uint32_t x0, std::uint32_t y0,
                                                 std::uint32_t x1, std::uint32_t y1, DecodedTileCache* cache,
                                                 std::string_view pack_name) {
  Decompressor tj(tjInitDecompress(), tjDestroy);
  if (!tj) return std::nullopt;
  struct Tile {
    std::vector<unsigned char> bytes;  // the JPEG, when not decoded yet
    DecodedTileCache::Tile decoded;
    std::string key;
    std::uint32_t col = 0, row = 0;
    int width = 0, height = 0, bands = 0;
  };
  std::vector<Tile> tiles;
  int bands = 1;
  for (auto row = r0; row <= r1; ++row) {
    for (auto col = c0; col <= c1; ++col) {
      Tile t;
      t.col = col, t.row = row;
      if (cache) {
        t.key = DecodedTileCache::key_of(pack_name, level, col, row);
        t.decoded = cache->get(t.key);
      }
      if (t.decoded) {
        t.width = t.decoded->width, t.height = t.decoded->height, t.bands = t.decoded->bands;
      } else {
        auto bytes = pack.tile(level, col, row);
        if (!bytes) return Result<Pixels>(bytes.error());
        int subsamp = 0, colorspace = 0;
        if (bytes->size() < 2 || (*bytes)[0] != 0xFF || (*bytes)[1] != 0xD8 ||
            tjDecompressHeader3(tj.get(), bytes->data(), bytes->size(), &t.width, &t.height, &subsamp,
                                &colorspace) != 0)
          return std::nullopt;
        if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) return std::nullopt;
        // A tile is T × T, less at the level's right and bottom edges; anything else (a damaged pack)
        // goes the vips way rather than sizing a buffer from its header.
        auto const& g = pack.geometry();
        if (static_cast<std::uint32_t>(t.width) !=
                std::min<std::uint32_t>(T, g.level_width(level) - col * T) ||
            static_cast<std::uint32_t>(t.height) !=
                std::min<std::uint32_t>(T, g.level_height(level) - row * T))
          return std::nullopt;
        t.bands = colorspace == TJCS_GRAY ? 1 : 3;
        t.bytes = std::move(*bytes);
      }
      bands = std::max(bands, t.bands);
      tiles.push_back(std::move(t));
    }
  }
  Pixels out;
  out.width = static_cast<int>(x1 - x0), out.height = static_cast<int>(y1 - y0), out.bands = bands;
  out.data.resize(static_cast<std::size_t>(out.width) * out.height * bands);
  std::size_t const out_stride = static_cast<std::size_t>(out.width) * bands;
  for (auto& t : tiles) {
    // The part of this tile inside [x0, x1) × [y0, y1), in level pixels, drawn straight into place.
    auto tx = t.col * T, ty = t.row * T;
    auto ax = std::max(tx, x0), bx = std::min<std::uint32_t>(tx + t.width, x1);
    auto ay = std::max(ty, y0), by = std::min<std::uint32_t>(ty + t.height, y1);
    if (ax >= bx || ay >= by) continue;
    unsigned char* dst =
        out.data.data() + ((static_cast<std::size_t>(ay - y0) * out.width) + (ax - x0)) * bands;
    // A tile is decoded whole (and kept) only when at least half of it is inside the region: whole,
    // it costs up to twice its part, so a tile mostly outside (a region's edge) is decoded in part,
    // as without a cache. On bench/iiif.sh's distinct list (256 MiB) the hit rate is the same either
    // way (61 %: such tiles are kept when a later region covers them), and CPU per render (its first
    // 6,000 drawn in a loop on one thread) 1.7-1.8 ms against 2.4 when every missed tile was decoded
    // whole, 2.5 without a cache.
    bool const keep = 2 * std::uint64_t{bx - ax} * (by - ay) >= std::uint64_t(t.width) * t.height;
    if (cache && !t.decoded && keep) {
      auto whole = std::make_shared<DecodedTile>();
      whole->width = t.width, whole->height = t.height, whole->bands = t.bands;
      whole->data.resize(static_cast<std::size_t>(t.width) * t.height * t.bands);
      auto decoded = decode_jpeg_part(t.bytes, t.bands, 0, 0, static_cast<unsigned>(t.width),
                                      static_cast<unsigned>(t.height), whole->data.data(),
                                      static_cast<std::size_t>(t.width) * t.bands);
      if (!decoded) {
        if (decoded.error().code == ErrorCode::unprocessable) return std::nullopt;
        return Result<Pixels>(decoded.error());
      }
      cache->put(t.key, whole);
      t.decoded = std::move(whole);
    }
    if (t.decoded) {
      copy_part(*t.decoded, bands, ax - tx, ay - ty, bx - tx, by - ty, dst, out_stride);
      continue;
    }
    auto decoded = decode_jpeg_part(t.bytes, bands, ax - tx, ay - ty, bx - tx, by - ty, dst, out_stride);
    if (!decoded) {
      if (decoded.error().code == ErrorCode::unprocessable) return std::nullopt;
      return Result<Pixels>(decoded.error());
    }
  }
  return Result<Pixels>(std::move(out));
}

Result<Rendered> encode(Pixels const& px, std::string_view format) {
  auto tile_format = pyramid::parse_tile_format(format);
  if (!tile_format) return tile_format.error();
  Rendered out;
  out.content_type = std::string(mime(format));
  pyramid::TileEncoder encoder(*tile_format, 90);
  pyramid::PixelView view{px.data.data(), px.width, px.height, px.bands,
                          static_cast<std::size_t>(px.width) * static_cast<std::size_t>(px.bands)};
  if (auto encoded = encoder.encode(view, out.bytes); !encoded) return encoded.error();
  return out;
}

}  // namespace

RegionPlan plan_region(pyramid::Geometry const& g, iiif::ImageRequest const& req) {
  // The coarsest level whose region is still at least the output size: each level up halves.
  int level = g.max_level();
  std::uint64_t scale = 1;
  while (level > 0 && req.w / (scale * 2.0) >= req.width && req.h / (scale * 2.0) >= req.height) {
    --level;
    scale *= 2;
  }
  // A distorted size (4096,1 of a tall image) keeps one side at a fine level while the other needs
  // few pixels, so the region decoded there can be far larger than the answer. Past 16 MP take a
  // coarser level (the short side is then enlarged a little): no request decodes more than that.
  constexpr double kMaxRegionPixels = 16.0 * 1024 * 1024;
  while (level > 0 &&
         (req.w / static_cast<double>(scale)) * (req.h / static_cast<double>(scale)) > kMaxRegionPixels) {
    --level;
    scale *= 2;
  }
  double const s = static_cast<double>(scale);
  auto lw = g.level_width(level), lh = g.level_height(level);
  RegionPlan p;
  p.level = level;
  p.x0 = static_cast<std::uint32_t>(std::floor(req.x / s));
  p.y0 = static_cast<std::uint32_t>(std::floor(req.y / s));
  p.x1 = std::min<std::uint32_t>(lw, static_cast<std::uint32_t>(std::ceil((req.x + req.w) / s)));
  p.y1 = std::min<std::uint32_t>(lh, static_cast<std::uint32_t>(std::ceil((req.y + req.h) / s)));
  p.x1 = std::max(p.x1, p.x0 + 1), p.y1 = std::max(p.y1, p.y0 + 1);
  return p;
}

std::uint64_t render_pixels(pyramid::Geometry const& g, iiif::ImageRequest const& req) {
  auto p = plan_region(g, req);
  std::uint64_t const T = g.tile_size();
  std::uint64_t const tiles = std::uint64_t{(p.x1 - 1) / g.tile_size() - p.x0 / g.tile_size() + 1} *
                              ((p.y1 - 1) / g.tile_size() - p.y0 / g.tile_size() + 1);
  std::uint64_t out = std::uint64_t{req.width} * req.height;
  // An arbitrary angle draws the rotated bounding box: up to twice the answer's pixels.
  if (!req.right_angle()) out *= 2;
  return tiles * T * T + out;
}

Result<Rendered> render_region(pyramid::PackReader const& pack, iiif::ImageRequest const& req,
                               DecodedTileCache* decoded, std::string_view pack_name) {
  pyramid::init_image_library();
  auto const& g = pack.geometry();
  auto const [level, x0, y0, x1, y1] = plan_region(g, req);
  auto T = g.tile_size();
  auto c0 = x0 / T, c1 = (x1 - 1) / T, r0 = y0 / T, r1 = (y1 - 1) / T;
  // The direct path holds the decoded region, its rows resampled (2 bytes a sample, resample.hpp) and
  // the answer. Up to 48 MB of them (a megapixel answer of the usual shape needs about 30), it is
  // taken; larger renders take vips' path, which holds only the region, so a flood of large or
  // distorted requests on every blocking thread stays within the region bound above.
  constexpr std::uint64_t kDirectMaxBytes = 48u << 20;
  std::uint64_t const direct_bytes =
      3 * (std::uint64_t{x1 - x0} * (y1 - y0) + 2 * std::uint64_t{x1 - x0} * req.height +
           std::uint64_t{req.width} * req.height);
  bool const plain = req.rotation == 0 && !req.mirror && req.format != "tif" &&
                     (req.quality == iiif::Quality::default_ || req.quality == iiif::Quality::color) &&
                     direct_bytes <= kDirectMaxBytes;
  if (plain) {
    if (auto region =
            decode_jpeg_region(pack, level, T, c0, c1, r0, r1, x0, y0, x1, y1, decoded, pack_name)) {
      if (!*region) return region->error();
      return encode(resample(**region, static_cast<int>(req.width), static_cast<int>(req.height)),
                    req.format);
    }
  }
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
    if (!req.right_angle()) {
      // Any other angle (rotationArbitrary): the answer is the rotated image's bounding box, as the
      // spec says; the corners outside the image are transparent in formats with alpha and black
      // (the sky's colour) in JPEG. Bilinear, as vips' similarity. The box holds up to (w+h)^2/2
      // pixels (region_renderer.hpp).
      if (req.format != "jpg" && img.bands() != 2 && img.bands() != 4) img = img.bandjoin_const({255});
      img = img.rotate(req.rotation,
                       VImage::option()->set("background", std::vector<double>(img.bands(), 0.0)));
    }
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
