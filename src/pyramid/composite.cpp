#include "pyramid/composite.hpp"

#include <fmt/format.h>
#include <tiffio.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <vector>

#include "core/error_catalogue.hpp"
#include "pyramid/data_tile.hpp"

namespace astropixel::pyramid {
namespace {

// histeq follows the distribution the build stored ("data_stats" quantiles), as live tiles do.
Result<std::vector<double>> stored_quantiles(PackReader const& pack) {
  boost::system::error_code ec;
  auto meta = boost::json::parse(pack.info().metadata_json, ec);
  std::vector<double> out;
  if (!ec && meta.is_object()) {
    auto const* stats = meta.as_object().if_contains("data_stats");
    auto const* q = stats && stats->is_object() ? stats->as_object().if_contains("quantiles") : nullptr;
    if (q && q->is_array()) {
      for (auto const& x : q->as_array()) {
        if (!x.is_number()) break;
        out.push_back(x.to_number<double>());
      }
    }
  }
  if (out.size() < 2 || !std::is_sorted(out.begin(), out.end()))
    return make_error(errc::no_data_statistics, "This pyramid was built before data statistics were stored",
                      "Reprocess the dataset to store them");
  return out;
}

// One channel's full-resolution tile row as 8-bit weighted levels, width × rows of the tile row.
struct ChannelStrip {
  CompositeChannel const* channel = nullptr;
  std::array<unsigned char, 256> levels{};  // weighted level of each stretched level
  std::vector<unsigned char> pixels;
  std::uint32_t y0 = 0, rows = 0, next_row = 0;  // the strip's first image row, its height, next tile row

  Status load() {
    auto const& pack = *channel->pack;
    auto const& g = pack.geometry();
    int const top = g.max_level();
    auto const width = g.width();
    bool first = true;
    for (std::uint32_t col = 0; col < g.cols(top); ++col) {
      auto rect = g.tile(top, col, next_row);
      if (first) {
        y0 = rect.y, rows = rect.height;
        pixels.resize(static_cast<std::size_t>(width) * rows);
        first = false;
      }
      auto bytes = pack.data_tile(top, col, next_row);
      if (!bytes) return bytes.error();
      auto values = decode_data_tile(*bytes, rect.width, rect.height);
      if (!values) return values.error();
      for (std::uint32_t r = 0; r < rect.height; ++r) {
        float const* in = values->data() + static_cast<std::size_t>(r) * rect.width;
        unsigned char* out = pixels.data() + static_cast<std::size_t>(r) * width + rect.x;
        for (std::uint32_t x = 0; x < rect.width; ++x)
          out[x] = std::isfinite(in[x]) ? levels[channel->stretch.map(in[x])] : 0;
      }
    }
    ++next_row;
    return {};
  }
};

class TiffOut {
 public:
  ~TiffOut() {
    if (tif_) TIFFClose(tif_);
  }
  Status open(std::filesystem::path const& path, std::uint32_t width, std::uint32_t height) {
    auto const raw = static_cast<std::uint64_t>(width) * height * 3;
    // Classic TIFF addresses 4 GiB; compressed strips of a larger image could pass that.
    tif_ = TIFFOpen(path.c_str(), raw > (3ull << 30) ? "w8" : "w");
    if (!tif_) return make_error(ErrorCode::internal, "The composite could not be written", "TIFFOpen");
    bool ok =
        TIFFSetField(tif_, TIFFTAG_IMAGEWIDTH, width) && TIFFSetField(tif_, TIFFTAG_IMAGELENGTH, height) &&
        TIFFSetField(tif_, TIFFTAG_BITSPERSAMPLE, 8) && TIFFSetField(tif_, TIFFTAG_SAMPLESPERPIXEL, 3) &&
        TIFFSetField(tif_, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB) &&
        TIFFSetField(tif_, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) &&
        TIFFSetField(tif_, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE) &&
        TIFFSetField(tif_, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL) &&
        TIFFSetField(tif_, TIFFTAG_ROWSPERSTRIP, 64) &&
        TIFFSetField(tif_, TIFFTAG_SOFTWARE, "AstroPixel colour composite");
    if (!ok) return make_error(ErrorCode::internal, "The composite could not be written", "TIFFSetField");
    return {};
  }
  // TIFFWriteScanline may modify its buffer (the predictor works in place).
  Status write(std::vector<unsigned char>& row) {
    if (TIFFWriteScanline(tif_, row.data(), row_++, 0) < 0)
      return make_error(ErrorCode::internal, "The composite could not be written", "TIFFWriteScanline");
    return {};
  }
  Status close() {
    bool ok = TIFFFlush(tif_) == 1;
    TIFFClose(tif_);
    tif_ = nullptr;
    if (!ok) return make_error(ErrorCode::internal, "The composite could not be written", "TIFFFlush");
    return {};
  }

 private:
  TIFF* tif_ = nullptr;
  std::uint32_t row_ = 0;
};

Status write(std::array<CompositeChannel, 3> const& channels, std::filesystem::path const& path,
             CompositeProgress const& progress) {
  auto const& g0 = channels[0].pack->geometry();
  std::uint32_t const width = g0.width(), height = g0.height();
  std::array<ChannelStrip, 3> strips;
  for (std::size_t c = 0; c < 3; ++c) {
    auto const& pack = *channels[c].pack;
    if (!pack.has_data()) return make_error(errc::no_data_pyramid);
    if (pack.geometry().width() != width || pack.geometry().height() != height)
      return make_error(errc::composite_grid_mismatch,
                        fmt::format("The channels differ in size: {} × {} and {} × {}", width, height,
                                    pack.geometry().width(), pack.geometry().height()));
    strips[c].channel = &channels[c];
    for (int l = 0; l < 256; ++l)
      strips[c].levels[static_cast<std::size_t>(l)] =
          weighted_level(static_cast<unsigned char>(l), channels[c].weight);
  }
  TiffOut out;
  if (auto s = out.open(path, width, height); !s) return s;
  std::vector<unsigned char> row(static_cast<std::size_t>(width) * 3);
  for (std::uint32_t y = 0; y < height; ++y) {
    bool loaded = false;
    for (auto& strip : strips) {
      if (y < strip.y0 + strip.rows) continue;
      if (auto s = strip.load(); !s) return s;
      loaded = true;
    }
    for (std::size_t c = 0; c < 3; ++c) {
      auto const* in = strips[c].pixels.data() + static_cast<std::size_t>(y - strips[c].y0) * width;
      for (std::uint32_t x = 0; x < width; ++x) row[static_cast<std::size_t>(x) * 3 + c] = in[x];
    }
    if (auto s = out.write(row); !s) return s;
    if (loaded && progress && !progress(static_cast<double>(y + 1) / height))
      return make_error(ErrorCode::cancelled, "Cancelled");
  }
  return out.close();
}

}  // namespace

Result<Stretch> channel_stretch(PackReader const& pack, StretchKind kind, double lo, double hi) {
  // hi - lo must be finite too: cuts at ±1e308 overflow the mapping's scale (as for live tiles).
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi) || !std::isfinite(hi - lo))
    return make_error(errc::invalid_cuts, "lo must be below hi, and hi - lo finite");
  StretchOptions options;
  options.kind = kind;
  options.cuts = std::pair{lo, hi};
  options.transparent_blanks = false;
  if (kind == StretchKind::histeq) {
    auto quantiles = stored_quantiles(pack);
    if (!quantiles) return quantiles.error();
    options.quantiles = std::move(*quantiles);
  }
  // Explicit cuts: the sample only has to be non-empty (live tiles fit the same way).
  std::vector<float> sample{static_cast<float>(lo)};
  return Stretch::fit(sample, options);
}

Status write_composite_tiff(std::array<CompositeChannel, 3> const& channels,
                            std::filesystem::path const& path, CompositeProgress const& progress) {
  auto s = write(channels, path, progress);
  if (!s) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  return s;
}

}  // namespace astropixel::pyramid
