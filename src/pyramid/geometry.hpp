#pragma once
// Tile geometry of a Deep Zoom pyramid: level `max_level` is full resolution, each level below halves
// the one above (rounding up), level 0 is 1×1. Tiles are `tile_size` square without overlap; edge
// tiles are cropped to the image.
#include <cstdint>

namespace astropixel::pyramid {

struct TileRect {
  std::uint32_t x = 0, y = 0, width = 0, height = 0;
};

class Geometry {
 public:
  Geometry(std::uint32_t width, std::uint32_t height, std::uint32_t tile_size);

  std::uint32_t width() const { return width_; }
  std::uint32_t height() const { return height_; }
  std::uint32_t tile_size() const { return tile_size_; }
  int max_level() const { return max_level_; }
  int level_count() const { return max_level_ + 1; }

  std::uint32_t level_width(int level) const;
  std::uint32_t level_height(int level) const;
  std::uint32_t cols(int level) const;
  std::uint32_t rows(int level) const;
  TileRect tile(int level, std::uint32_t col, std::uint32_t row) const;

  // The highest level whose whole image fits in one tile: XYZ zoom 0.
  int single_tile_level() const;
  // XYZ zoom z ↔ Deep Zoom level.
  int level_of_zoom(int z) const { return single_tile_level() + z; }
  int max_zoom() const { return max_level_ - single_tile_level(); }

  // Position of a tile in level-major, row-major order over the whole pyramid (the pack index).
  std::uint64_t tile_index(int level, std::uint32_t col, std::uint32_t row) const;
  std::uint64_t tile_count() const;

 private:
  std::uint32_t width_, height_, tile_size_;
  int max_level_;
  std::uint64_t level_offset_[64];
};

}  // namespace astropixel::pyramid
