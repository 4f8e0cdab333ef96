#include "pyramid/tiff_reader.hpp"

#include <tiffio.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace astropixel::pyramid {

struct TiffReader::Handle {
  TIFF* tif = nullptr;
  ~Handle() {
    if (tif) TIFFClose(tif);
  }
};

namespace {

Error corrupt(std::string detail) {
  Error e = make_error(ErrorCode::unprocessable, "The image is corrupt or truncated", std::move(detail));
  e.reason = "corrupt_image";
  return e;
}

// libtiff reports problems through global handlers; the fast path must stay silent and let the
// return codes speak (the libvips fallback or the error value tells the user).
void quiet(char const*, char const*, va_list) {}

}  // namespace

TiffReader::~TiffReader() = default;

std::unique_ptr<TiffReader> TiffReader::open(std::filesystem::path const& path) {
  return open(path, Samples::display8);
}

std::unique_ptr<TiffReader> TiffReader::open(std::filesystem::path const& path, Samples samples) {
  TIFFSetWarningHandler(quiet);
  TIFFSetErrorHandler(quiet);
  auto r = std::unique_ptr<TiffReader>(new TiffReader());
  r->tif_ = std::make_unique<Handle>();
  r->tif_->tif = TIFFOpen(path.c_str(), "rm");  // 'm': no memory-mapping, plain reads
  TIFF* t = r->tif_->tif;
  if (!t) return nullptr;
  std::uint16_t bits = 0, spp = 0, planar = 0, photometric = 0, format = SAMPLEFORMAT_UINT, compression = 0;
  TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(t, TIFFTAG_PLANARCONFIG, &planar);
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLEFORMAT, &format);
  TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &compression);
  if (!TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photometric)) return nullptr;
  TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &r->width_);
  TIFFGetField(t, TIFFTAG_IMAGELENGTH, &r->height_);
  // ICC profiles and unusual layouts take the colour-managed libvips path.
  std::uint32_t icc_size = 0;
  void* icc = nullptr;
  bool has_icc = TIFFGetField(t, TIFFTAG_ICCPROFILE, &icc_size, &icc) != 0;
  bool rgb = photometric == PHOTOMETRIC_RGB && (spp == 3 || spp == 4);
  bool grey = photometric == PHOTOMETRIC_MINISBLACK && (spp == 1 || spp == 2);
  bool jpeg_ycbcr = photometric == PHOTOMETRIC_YCBCR && compression == COMPRESSION_JPEG && spp == 3;
  if (planar != PLANARCONFIG_CONTIG || r->width_ == 0 || r->height_ == 0) return nullptr;
  if (samples == Samples::display8) {
    if (bits != 8 || format != SAMPLEFORMAT_UINT || has_icc || !(rgb || grey || jpeg_ycbcr)) return nullptr;
    r->sample_bytes_ = 1;
  } else {
    // Data for the stretch: 16-bit integers or 32-bit floats (an ICC profile plays no part).
    bool ok = (bits == 16 && (format == SAMPLEFORMAT_UINT || format == SAMPLEFORMAT_INT)) ||
              (bits == 32 && format == SAMPLEFORMAT_IEEEFP);
    if (!ok || !(rgb || grey)) return nullptr;
    r->sample_bytes_ = bits / 8;
    r->sample_format_ = format;
  }
  if (jpeg_ycbcr) TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);  // libjpeg converts for us
  r->bands_ = spp;
  r->tiled_ = TIFFIsTiled(t) != 0;
  if (r->tiled_) {
    std::uint32_t tw = 0, th = 0;
    TIFFGetField(t, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(t, TIFFTAG_TILELENGTH, &th);
    if (tw == 0 || th == 0 || tw > 8192 || th > 8192) return nullptr;
    r->tile_width_ = tw;
    r->band_height_ = th;
    r->tile_.resize(static_cast<std::size_t>(TIFFTileSize(t)));
  } else {
    std::uint32_t rps = 0;
    TIFFGetFieldDefaulted(t, TIFFTAG_ROWSPERSTRIP, &rps);
    r->band_height_ = std::clamp<std::uint32_t>(rps, 1, r->height_);
    if (static_cast<std::uint64_t>(r->band_height_) * r->width_ * spp * r->sample_bytes_ > (256ull << 20))
      return nullptr;
  }
  r->band_.resize(static_cast<std::size_t>(r->band_height_) * r->row_bytes());
  return r;
}

Status TiffReader::load_band(std::uint32_t index) {
  TIFF* t = tif_->tif;
  std::size_t row_bytes = this->row_bytes(), pixel_bytes = static_cast<std::size_t>(bands_) * sample_bytes_;
  std::uint32_t y0 = index * band_height_;
  std::uint32_t rows = std::min(band_height_, height_ - y0);
  if (!tiled_) {
    tmsize_t want = static_cast<tmsize_t>(rows * row_bytes);
    if (TIFFReadEncodedStrip(t, TIFFComputeStrip(t, y0, 0), band_.data(), want) < want) {
      return corrupt("TIFF strip " + std::to_string(index) + " cannot be decoded");
    }
  } else {
    std::size_t tile_row_bytes = static_cast<std::size_t>(tile_width_) * pixel_bytes;
    for (std::uint32_t x0 = 0; x0 < width_; x0 += tile_width_) {
      if (TIFFReadEncodedTile(t, TIFFComputeTile(t, x0, y0, 0, 0), tile_.data(),
                              static_cast<tmsize_t>(tile_.size())) < 0) {
        return corrupt("TIFF tile at " + std::to_string(x0) + "," + std::to_string(y0) +
                       " cannot be decoded");
      }
      std::size_t copy = static_cast<std::size_t>(std::min(tile_width_, width_ - x0)) * pixel_bytes;
      for (std::uint32_t r = 0; r < rows; ++r) {
        std::memcpy(band_.data() + r * row_bytes + static_cast<std::size_t>(x0) * pixel_bytes,
                    tile_.data() + r * tile_row_bytes, copy);
      }
    }
  }
  loaded_band_ = index;
  return {};
}

Status TiffReader::read_rows(std::uint32_t y, std::uint32_t rows, unsigned char* out) {
  std::size_t row_bytes = this->row_bytes();
  for (std::uint32_t r = 0; r < rows; ++r) {
    std::uint32_t row = y + r;
    std::uint32_t band = row / band_height_;
    if (static_cast<std::int64_t>(band) != loaded_band_) {
      if (auto s = load_band(band); !s) return s;
    }
    std::memcpy(out + r * row_bytes, band_.data() + (row - band * band_height_) * row_bytes, row_bytes);
  }
  return {};
}

}  // namespace astropixel::pyramid
