#pragma once
// The coarse overview a build writes first (issue #17 point 2, ADR 0036): the whole image at the
// preview's scale, averaged from rows a source reads anyway (the statistics pass of 16-bit and float
// data) or cheaply (a row in each block of a strip TIFF). It becomes the pack's preview before any
// tile is written, so a viewer has the whole image to draw seconds into a build whose coarse levels
// come only at its end.
#include <cstdint>
#include <vector>

namespace astropixel::pyramid {

// The preview's longest side, in pixels.
inline constexpr std::uint32_t kPreviewSize = 512;

// The preview's scale: the largest power of two f with ceil(max(width, height) / f) >= kPreviewSize
// (1 for smaller images), so the preview comes from the Deep Zoom level of that scale, at most
// twice kPreviewSize on its longest side.
std::uint32_t preview_factor(std::uint32_t width, std::uint32_t height);

// 8-bit pixels of a whole image at reduced size, as the builder's levels hold them.
struct Overview {
  std::uint32_t width = 0, height = 0;
  int bands = 0;
  std::vector<unsigned char> pixels;  // width × bands bytes per row
};

// Means of an image's rows over blocks of factor × factor pixels: ceil(width / factor) ×
// ceil(height / factor) of them. Rows may come in any order and a block may see only some of its
// rows (a sample). A float pixel with a non-finite value in any band is blank and not counted.
class BlockMeans {
 public:
  BlockMeans(std::uint32_t width, std::uint32_t height, int bands, std::uint32_t factor);
  std::uint32_t factor() const { return factor_; }
  std::uint32_t width() const { return out_width_; }
  std::uint32_t height() const { return out_height_; }
  int bands() const { return bands_; }
  // One source row y: width × bands values.
  void add_row(std::uint32_t y, float const* row);
  void add_row(std::uint32_t y, unsigned char const* row);
  // width() × height() × bands() means; NaN in every band of a block that counted no pixel.
  std::vector<float> means() const;

 private:
  std::uint32_t width_, factor_, out_width_, out_height_;
  int bands_;
  std::vector<float> sums_;
  std::vector<std::uint32_t> counts_;
};

// Halves an image `times` times with the builder's 2×2 box (shrink_rows), as its levels are made.
Overview halve(Overview image, int times);

}  // namespace astropixel::pyramid
