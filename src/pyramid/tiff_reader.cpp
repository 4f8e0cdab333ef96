#include "pyramid/tiff_reader.hpp"

#include <tiffio.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "core/error_catalogue.hpp"

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
  e.reason = errc::corrupt_image.code;
  return e;
}

// libtiff reports problems through global handlers; the fast path must stay silent and let the
// return codes speak (the libvips fallback or the error value tells the user).
void quiet(char const*, char const*, va_list) {}

}  // namespace

TiffReader::~TiffReader() = default;

int TiffReader::smallest_reduced_page(std::uint32_t width, std::uint32_t height,
                                      std::uint64_t max_pixels) const {
  // A handle of its own: the decoders' handles keep their directory and state.
  Handle h;
  h.tif = TIFFOpen(path_.c_str(), "rm");
  if (!h.tif) return -1;
  int best = -1;
  std::uint64_t best_pixels = 0;
  for (int page = 1; page < 64 && TIFFReadDirectory(h.tif); ++page) {
    std::uint32_t type = 0, w = 0, ht = 0;
    TIFFGetFieldDefaulted(h.tif, TIFFTAG_SUBFILETYPE, &type);
    if (!(type & FILETYPE_REDUCEDIMAGE) || !TIFFGetField(h.tif, TIFFTAG_IMAGEWIDTH, &w) ||
        !TIFFGetField(h.tif, TIFFTAG_IMAGELENGTH, &ht) || w < width || ht < height || w > width_ ||
        ht > height_)
      continue;
    auto const pixels = static_cast<std::uint64_t>(w) * ht;
    if (pixels <= max_pixels && (best < 0 || pixels < best_pixels)) {
      best = page;
      best_pixels = pixels;
    }
  }
  return best;
}

std::unique_ptr<TiffReader> TiffReader::open(std::filesystem::path const& path) {
  return open(path, Samples::display8);
}

std::unique_ptr<TiffReader> TiffReader::open(std::filesystem::path const& path, Samples samples) {
  TIFFSetWarningHandler(quiet);
  TIFFSetErrorHandler(quiet);
  auto r = std::unique_ptr<TiffReader>(new TiffReader());
  r->path_ = path;
  r->tifs_.push_back(std::make_unique<Handle>());
  r->tifs_[0]->tif = TIFFOpen(path.c_str(), "rm");  // 'm': no memory-mapping, plain reads
  TIFF* t = r->tifs_[0]->tif;
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
  r->jpeg_ycbcr_ = jpeg_ycbcr;
  if (jpeg_ycbcr) TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);  // libjpeg converts for us
  r->bands_ = spp;
  // Compressed data is decoded by several threads at once, each with its own libtiff handle (a
  // handle is not thread-safe); uncompressed data is only copied, which one thread does at disk
  // speed.
  if (compression != COMPRESSION_NONE)
    r->decoders_ = std::clamp(std::thread::hardware_concurrency(), 1u, kMaxDecoders);
  r->tiled_ = TIFFIsTiled(t) != 0;
  if (r->tiled_) {
    std::uint32_t tw = 0, th = 0;
    TIFFGetField(t, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(t, TIFFTAG_TILELENGTH, &th);
    if (tw == 0 || th == 0 || tw > 8192 || th > 8192) return nullptr;
    r->tile_width_ = tw;
    r->band_height_ = th;
    r->tile_size_ = static_cast<std::size_t>(TIFFTileSize(t));
  } else {
    std::uint32_t rps = 0;
    TIFFGetFieldDefaulted(t, TIFFTAG_ROWSPERSTRIP, &rps);
    r->strip_height_ = std::clamp<std::uint32_t>(rps, 1, r->height_);
    // One strip per decoder in a band.
    r->band_height_ = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(static_cast<std::uint64_t>(r->strip_height_) * r->decoders_, r->height_));
    if (static_cast<std::uint64_t>(r->band_height_) * r->width_ * spp * r->sample_bytes_ > (256ull << 20))
      return nullptr;
  }
  r->band_.resize(static_cast<std::size_t>(r->band_height_) * r->row_bytes());
  return r;
}

TIFF* TiffReader::handle(unsigned decoder) {
  while (tifs_.size() <= decoder) {
    auto h = std::make_unique<Handle>();
    h->tif = TIFFOpen(path_.c_str(), "rm");
    if (!h->tif) return nullptr;
    if (jpeg_ycbcr_) TIFFSetField(h->tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    tifs_.push_back(std::move(h));
  }
  return tifs_[decoder]->tif;
}

Status TiffReader::load_band(std::uint32_t index) {
  std::size_t row_bytes = this->row_bytes(), pixel_bytes = static_cast<std::size_t>(bands_) * sample_bytes_;
  std::uint32_t y0 = index * band_height_;
  std::uint32_t rows = std::min(band_height_, height_ - y0);
  // The band's pieces (strips, or tiles across) are shared out round-robin between the decoders.
  std::uint32_t pieces =
      tiled_ ? (width_ + tile_width_ - 1) / tile_width_ : (rows + strip_height_ - 1) / strip_height_;
  unsigned decoders = std::min<unsigned>(decoders_, pieces);
  for (unsigned d = 0; d < decoders; ++d) {
    if (!handle(d)) return corrupt("The TIFF file cannot be opened again");
  }
  std::atomic<std::int64_t> failed{-1};
  auto decode = [&](unsigned d) {
    TIFF* t = tifs_[d]->tif;
    std::vector<unsigned char> tile(tiled_ ? tile_size_ : 0);
    for (std::uint32_t piece = d; piece < pieces && failed.load() < 0; piece += decoders) {
      if (!tiled_) {
        std::uint32_t sy = y0 + piece * strip_height_;
        auto want = static_cast<tmsize_t>(std::min(strip_height_, height_ - sy) * row_bytes);
        if (TIFFReadEncodedStrip(t, TIFFComputeStrip(t, sy, 0), band_.data() + (sy - y0) * row_bytes, want) <
            want)
          failed = piece;
        continue;
      }
      std::uint32_t x0 = piece * tile_width_;
      if (TIFFReadEncodedTile(t, TIFFComputeTile(t, x0, y0, 0, 0), tile.data(),
                              static_cast<tmsize_t>(tile.size())) < 0) {
        failed = piece;
        continue;
      }
      std::size_t tile_row_bytes = static_cast<std::size_t>(tile_width_) * pixel_bytes;
      std::size_t copy = static_cast<std::size_t>(std::min(tile_width_, width_ - x0)) * pixel_bytes;
      for (std::uint32_t r = 0; r < rows; ++r) {
        std::memcpy(band_.data() + r * row_bytes + static_cast<std::size_t>(x0) * pixel_bytes,
                    tile.data() + r * tile_row_bytes, copy);
      }
    }
  };
  {
    std::vector<std::jthread> helpers;
    for (unsigned d = 1; d < decoders; ++d) helpers.emplace_back(decode, d);
    decode(0);
  }
  if (auto piece = failed.load(); piece >= 0) {
    return corrupt(std::string(tiled_ ? "TIFF tile " : "TIFF strip ") + std::to_string(piece) + " of band " +
                   std::to_string(index) + " cannot be decoded");
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
