#include "pyramid/geometry.hpp"

#include <algorithm>
#include <stdexcept>

namespace astropixel::pyramid {

Geometry::Geometry(std::uint32_t width, std::uint32_t height, std::uint32_t tile_size)
    : width_(width), height_(height), tile_size_(tile_size) {
  if (width == 0 || height == 0 || tile_size == 0) throw std::invalid_argument("empty image or tile size");
  std::uint32_t longest = std::max(width, height);
  max_level_ = 0;
  while ((1ull << max_level_) < longest) ++max_level_;
  std::uint64_t offset = 0;
  for (int l = 0; l <= max_level_; ++l) {
    level_offset_[l] = offset;
    offset += static_cast<std::uint64_t>(cols(l)) * rows(l);
  }
  level_offset_[max_level_ + 1] = offset;
}

std::uint32_t Geometry::level_width(int level) const {
  int shift = max_level_ - level;
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(width_) + (1ull << shift) - 1) >> shift);
}

std::uint32_t Geometry::level_height(int level) const {
  int shift = max_level_ - level;
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(height_) + (1ull << shift) - 1) >> shift);
}

std::uint32_t Geometry::cols(int level) const {
  return (level_width(level) + tile_size_ - 1) / tile_size_;
}
std::uint32_t Geometry::rows(int level) const {
  return (level_height(level) + tile_size_ - 1) / tile_size_;
}

TileRect Geometry::tile(int level, std::uint32_t col, std::uint32_t row) const {
  TileRect r;
  r.x = col * tile_size_;
  r.y = row * tile_size_;
  r.width = std::min(tile_size_, level_width(level) - r.x);
  r.height = std::min(tile_size_, level_height(level) - r.y);
  return r;
}

int Geometry::single_tile_level() const {
  int l = max_level_;
  while (l > 0 && (level_width(l) > tile_size_ || level_height(l) > tile_size_)) --l;
  return l;
}

std::uint64_t Geometry::tile_index(int level, std::uint32_t col, std::uint32_t row) const {
  return level_offset_[level] + static_cast<std::uint64_t>(row) * cols(level) + col;
}

std::uint64_t Geometry::tile_count() const {
  return level_offset_[max_level_ + 1];
}

}  // namespace astropixel::pyramid
