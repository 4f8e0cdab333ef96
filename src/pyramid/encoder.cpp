#include "pyramid/encoder.hpp"

#include <png.h>
#include <turbojpeg.h>
#include <webp/encode.h>

#include <cstring>

#include "core/error_catalogue.hpp"

namespace astropixel::pyramid {

Result<TileFormat> parse_tile_format(std::string_view name) {
  if (name == "jpg" || name == "jpeg") return TileFormat::jpeg;
  if (name == "png") return TileFormat::png;
  if (name == "webp") return TileFormat::webp;
  Error e = make_error(ErrorCode::validation, "Unknown tile format", "Use jpg, png or webp");
  e.reason = errc::invalid_tile_format.code;
  return e;
}

std::string_view extension(TileFormat f) {
  switch (f) {
    case TileFormat::jpeg:
      return "jpg";
    case TileFormat::png:
      return "png";
    case TileFormat::webp:
      return "webp";
  }
  return "jpg";
}

std::string_view mime_type(TileFormat f) {
  switch (f) {
    case TileFormat::jpeg:
      return "image/jpeg";
    case TileFormat::png:
      return "image/png";
    case TileFormat::webp:
      return "image/webp";
  }
  return "application/octet-stream";
}

struct TileEncoder::Impl {
  TileFormat format;
  int quality;
  tjhandle tj = nullptr;
  std::vector<unsigned char> scratch;  // colour-converted pixels when the encoder needs them

  // Copies `px` into tightly packed `bands_out` pixels: drops or flattens alpha, expands grey.
  PixelView repack(PixelView const& px, int bands_out) {
    scratch.resize(static_cast<std::size_t>(px.width) * px.height * bands_out);
    for (int y = 0; y < px.height; ++y) {
      auto const* in = px.data + y * px.stride;
      auto* out = scratch.data() + static_cast<std::size_t>(y) * px.width * bands_out;
      for (int x = 0; x < px.width; ++x, in += px.bands, out += bands_out) {
        bool grey = px.bands <= 2;
        unsigned alpha = px.bands == 2 ? in[1] : px.bands == 4 ? in[3] : 255;
        for (int b = 0; b < std::min(bands_out, 3); ++b) {
          unsigned v = grey ? in[0] : in[b];
          // Flatten onto black where the output has no alpha channel.
          out[b] = static_cast<unsigned char>(bands_out == 4 || bands_out == 2 ? v : (v * alpha + 127) / 255);
        }
        if (bands_out == 4) out[3] = static_cast<unsigned char>(alpha);
      }
    }
    return {scratch.data(), px.width, px.height, bands_out, static_cast<std::size_t>(px.width) * bands_out};
  }
};

TileEncoder::TileEncoder(TileFormat format, int quality) : impl_(std::make_unique<Impl>()) {
  impl_->format = format;
  impl_->quality = quality;
  if (format == TileFormat::jpeg) impl_->tj = tjInitCompress();
}

TileEncoder::~TileEncoder() {
  if (impl_->tj) tjDestroy(impl_->tj);
}

namespace {

void png_write_to_vector(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::vector<unsigned char>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + length);
}

}  // namespace

Status TileEncoder::encode(PixelView const& px, std::vector<unsigned char>& out) {
  out.clear();
  auto& i = *impl_;
  switch (i.format) {
    case TileFormat::jpeg: {
      PixelView src = px;
      if (px.bands == 2) src = i.repack(px, 1);
      if (px.bands == 4) src = i.repack(px, 3);
      int pf = src.bands == 1 ? TJPF_GRAY : TJPF_RGB;
      int subsamp = src.bands == 1 ? TJSAMP_GRAY : TJSAMP_420;
      unsigned char* buf = nullptr;
      unsigned long size = 0;
      if (tjCompress2(i.tj, src.data, src.width, static_cast<int>(src.stride), src.height, pf, &buf, &size,
                      subsamp, i.quality, TJFLAG_FASTDCT) != 0) {
        if (buf) tjFree(buf);
        return make_error(ErrorCode::internal, "JPEG encoding failed", tjGetErrorStr2(i.tj));
      }
      out.assign(buf, buf + size);
      tjFree(buf);
      return {};
    }
    case TileFormat::png: {
      png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
      png_infop info = png ? png_create_info_struct(png) : nullptr;
      if (!info) {
        png_destroy_write_struct(&png, nullptr);
        return make_error(ErrorCode::internal, "PNG encoder unavailable");
      }
      if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return make_error(ErrorCode::internal, "PNG encoding failed");
      }
      static constexpr int kColour[] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                        PNG_COLOR_TYPE_RGB_ALPHA};
      png_set_write_fn(png, &out, png_write_to_vector, nullptr);
      png_set_compression_level(png, 2);  // tiles are small; speed matters more than the last percent
      png_set_filter(png, 0, PNG_FILTER_SUB);
      png_set_IHDR(png, info, static_cast<png_uint_32>(px.width), static_cast<png_uint_32>(px.height), 8,
                   kColour[px.bands], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                   PNG_FILTER_TYPE_DEFAULT);
      png_write_info(png, info);
      for (int y = 0; y < px.height; ++y) png_write_row(png, const_cast<png_bytep>(px.data + y * px.stride));
      png_write_end(png, nullptr);
      png_destroy_write_struct(&png, &info);
      return {};
    }
    case TileFormat::webp: {
      PixelView src = px;
      if (px.bands <= 2) src = i.repack(px, px.bands == 2 ? 4 : 3);
      uint8_t* buf = nullptr;
      std::size_t size = src.bands == 4
                             ? WebPEncodeRGBA(src.data, src.width, src.height, static_cast<int>(src.stride),
                                              static_cast<float>(i.quality), &buf)
                             : WebPEncodeRGB(src.data, src.width, src.height, static_cast<int>(src.stride),
                                             static_cast<float>(i.quality), &buf);
      if (size == 0) return make_error(ErrorCode::internal, "WebP encoding failed");
      out.assign(buf, buf + size);
      WebPFree(buf);
      return {};
    }
  }
  return make_error(ErrorCode::internal, "Unknown tile format");
}

}  // namespace astropixel::pyramid
