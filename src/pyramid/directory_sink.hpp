#pragma once
// Deep Zoom export for offline use: BASE.dzi and BASE_files/LEVEL/COL_ROW.EXT, as OpenSeadragon and
// vips dzsave lay them out. Written under a temporary name and renamed into place at commit.
#include <filesystem>

#include "pyramid/tile_sink.hpp"

namespace astropixel::pyramid {

class DeepZoomSink final : public TileSink {
 public:
  // `base` is the output path without extension: "out" → out.dzi + out_files/.
  explicit DeepZoomSink(std::filesystem::path base) : base_(std::move(base)) {}
  ~DeepZoomSink() override;
  Status begin(PyramidInfo const& info) override;
  Status put(int level, std::uint32_t col, std::uint32_t row, std::span<unsigned char const> bytes) override;
  Status commit() override;
  std::uint64_t bytes_written() const override { return bytes_; }

 private:
  std::filesystem::path base_, tmp_dir_;
  PyramidInfo info_;
  int last_level_ = -1;
  std::uint64_t bytes_ = 0;
  bool committed_ = false;
};

std::string dzi_xml(PyramidInfo const& info);

}  // namespace astropixel::pyramid
