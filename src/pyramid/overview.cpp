#include "pyramid/overview.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "pyramid/builder.hpp"

namespace astropixel::pyramid {

std::uint32_t preview_factor(std::uint32_t width, std::uint32_t height) {
  std::uint64_t const side = std::max(width, height);
  std::uint64_t f = 1;
  while ((side + 2 * f - 1) / (2 * f) >= kPreviewSize) f *= 2;
  return static_cast<std::uint32_t>(f);
}

BlockMeans::BlockMeans(std::uint32_t width, std::uint32_t height, int bands, std::uint32_t factor)
    : width_(width),
      factor_(std::max(1u, factor)),
      out_width_((width + factor_ - 1) / factor_),
      out_height_((height + factor_ - 1) / factor_),
      bands_(bands),
      sums_(static_cast<std::size_t>(out_width_) * out_height_ * static_cast<std::size_t>(bands)),
      counts_(static_cast<std::size_t>(out_width_) * out_height_) {}

void BlockMeans::add_row(std::uint32_t y, float const* row) {
  std::size_t const block_row = static_cast<std::size_t>(y / factor_) * out_width_;
  auto const bands = static_cast<std::size_t>(bands_);
  for (std::uint32_t x = 0; x < width_; ++x, row += bands) {
    bool finite = true;
    for (std::size_t b = 0; b < bands; ++b) finite = finite && std::isfinite(row[b]);
    if (!finite) continue;
    std::size_t const block = block_row + x / factor_;
    for (std::size_t b = 0; b < bands; ++b) sums_[block * bands + b] += row[b];
    ++counts_[block];
  }
}

void BlockMeans::add_row(std::uint32_t y, unsigned char const* row) {
  std::size_t const block_row = static_cast<std::size_t>(y / factor_) * out_width_;
  auto const bands = static_cast<std::size_t>(bands_);
  for (std::uint32_t x = 0; x < width_; ++x, row += bands) {
    std::size_t const block = block_row + x / factor_;
    for (std::size_t b = 0; b < bands; ++b) sums_[block * bands + b] += static_cast<float>(row[b]);
    ++counts_[block];
  }
}

std::vector<float> BlockMeans::means() const {
  std::vector<float> out(sums_.size());
  auto const bands = static_cast<std::size_t>(bands_);
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    for (std::size_t b = 0; b < bands; ++b)
      out[i * bands + b] = counts_[i] ? sums_[i * bands + b] / static_cast<float>(counts_[i])
                                      : std::numeric_limits<float>::quiet_NaN();
  }
  return out;
}

Overview halve(Overview image, int times) {
  for (int t = 0; t < times; ++t) {
    Overview half;
    half.width = (image.width + 1) / 2;
    half.height = (image.height + 1) / 2;
    half.bands = image.bands;
    std::size_t const row_in = static_cast<std::size_t>(image.width) * image.bands;
    std::size_t const row_out = static_cast<std::size_t>(half.width) * half.bands;
    half.pixels.resize(row_out * half.height);
    for (std::uint32_t r = 0; r < half.height; ++r) {
      auto const* top = image.pixels.data() + 2 * r * row_in;
      auto const* bottom = 2 * r + 1 < image.height ? top + row_in : top;
      shrink_rows(top, bottom, image.width, image.bands, half.pixels.data() + r * row_out);
    }
    image = std::move(half);
  }
  return image;
}

}  // namespace astropixel::pyramid
