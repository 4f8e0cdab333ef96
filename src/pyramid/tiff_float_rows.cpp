// FloatRows over libtiff for 16-bit and float TIFF: the stretch's data without libvips' generic
// pipeline (the same saving as the 8-bit fast path, ADR 0006), and random access, so the
// statistics pass samples bands of rows instead of decoding the whole image.
#include <tiffio.h>

#include <cstring>
#include <vector>

#include "pyramid/float_rows.hpp"
#include "pyramid/tiff_reader.hpp"

namespace astropixel::pyramid {
namespace {

class TiffFloatRows final : public FloatRows {
 public:
  explicit TiffFloatRows(std::unique_ptr<TiffReader> tiff) : tiff_(std::move(tiff)) {
    // The stretch works on grey or on the first three (colour) bands, as for every other source.
    data_bands_ = tiff_->bands() >= 3 ? 3 : 1;
    row_.resize(tiff_->row_bytes());
  }
  std::uint32_t width() const override { return tiff_->width(); }
  std::uint32_t height() const override { return tiff_->height(); }
  int bands() const override { return data_bands_; }
  bool random_access() const override { return true; }
  std::uint32_t rows_per_read() const override { return tiff_->band_height(); }
  bool may_hold_blanks() const override { return tiff_->sample_format() == SAMPLEFORMAT_IEEEFP; }

  Status read(std::uint32_t y, std::uint32_t rows, float* out) override {
    std::size_t width = tiff_->width(), spp = static_cast<std::size_t>(tiff_->bands());
    for (std::uint32_t r = 0; r < rows; ++r) {
      if (auto s = tiff_->read_rows(y + r, 1, row_.data()); !s) return s;
      float* o = out + r * width * data_bands_;
      switch (tiff_->sample_bytes() * 10 + tiff_->sample_format()) {
        case 20 + SAMPLEFORMAT_UINT:
          convert<std::uint16_t>(o, width, spp);
          break;
        case 20 + SAMPLEFORMAT_INT:
          convert<std::int16_t>(o, width, spp);
          break;
        default:
          convert<float>(o, width, spp);
          break;
      }
    }
    return {};
  }

 private:
  template <typename T>
  void convert(float* out, std::size_t width, std::size_t spp) const {
    auto const* p = reinterpret_cast<unsigned char const*>(row_.data());
    for (std::size_t x = 0; x < width; ++x) {
      for (int b = 0; b < data_bands_; ++b) {
        T v;
        std::memcpy(&v, p + (x * spp + static_cast<std::size_t>(b)) * sizeof(T), sizeof(T));
        *out++ = static_cast<float>(v);
      }
    }
  }

  std::unique_ptr<TiffReader> tiff_;
  int data_bands_ = 1;
  std::vector<unsigned char> row_;
};

}  // namespace

std::unique_ptr<FloatRows> open_tiff_float_rows(std::filesystem::path const& path) {
  auto tiff = TiffReader::open(path, TiffReader::Samples::data);
  if (!tiff) return nullptr;
  return std::make_unique<TiffFloatRows>(std::move(tiff));
}

}  // namespace astropixel::pyramid
