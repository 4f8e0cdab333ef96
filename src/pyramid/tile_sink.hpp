#pragma once
// Where encoded tiles go: a pack file (the server's format) or a directory tree (offline export).
#include <cstdint>
#include <span>
#include <string>

#include "core/error.hpp"
#include "pyramid/geometry.hpp"

namespace astropixel::pyramid {

struct PyramidInfo {
  std::uint32_t width = 0, height = 0, tile_size = 256;
  std::string format = "jpg";  // tile file extension: jpg | png | webp
  std::string metadata_json;   // free-form JSON recorded with the pyramid (stretch, source, ...)
};

class TileSink {
 public:
  virtual ~TileSink() = default;
  virtual Status begin(PyramidInfo const& info) = 0;
  // Called once per tile, from one thread, in a deterministic order.
  virtual Status put(int level, std::uint32_t col, std::uint32_t row,
                     std::span<unsigned char const> bytes) = 0;
  // The preview image: the whole picture at 512 px on its longest side (smaller images: as they are).
  virtual Status put_preview(std::span<unsigned char const> bytes) = 0;
  // The data pyramid (ADR 0024): one tile of original values, encoded (f32le-deflate), called like
  // put. Only sinks that say they keep data get it.
  virtual bool keeps_data() const { return false; }
  virtual Status put_data(int /*level*/, std::uint32_t /*col*/, std::uint32_t /*row*/,
                          std::span<unsigned char const> /*bytes*/) {
    return {};
  }
  // The full-resolution values of every band of an image without a data pyramid (colour, 8-bit;
  // ADR 0031): one tile of `bands` interleaved values per pixel, encoded as `encoding` names
  // (data_tile.hpp's kValueEncodings). Only sinks that keep data get it.
  virtual Status put_values(std::uint32_t /*col*/, std::uint32_t /*row*/, int /*bands*/,
                            char const* /*encoding*/, std::span<unsigned char const> /*bytes*/) {
    return {};
  }
  // Makes the result visible atomically. Without commit, the destructor removes everything written.
  virtual Status commit() = 0;
  virtual std::uint64_t bytes_written() const = 0;
};

}  // namespace astropixel::pyramid
