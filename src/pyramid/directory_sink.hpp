#pragma once
// Directory-tree exports for offline use, written under a temporary name and renamed into place:
//   dz:   BASE.dzi + BASE_files/LEVEL/COL_ROW.EXT (OpenSeadragon, vips dzsave --layout dz)
//   xyz:  BASE/Z/X/Y.EXT, Z = 0 the whole image in one tile (the predecessor's scheme)
//   iiif: BASE/info.json + BASE/X,Y,W,H/W,H/0/default.EXT (IIIF Image API 3.0, level 0)
#include <filesystem>
#include <memory>

#include "pyramid/tile_sink.hpp"

namespace astropixel::pyramid {

enum class DirectoryLayout { dz, xyz, iiif };

class DirectorySink final : public TileSink {
 public:
  // `base` is the output path without extension: "out" → out.dzi + out_files/, or out/.
  DirectorySink(std::filesystem::path base, DirectoryLayout layout)
      : base_(std::move(base)), layout_(layout) {}
  ~DirectorySink() override;
  Status begin(PyramidInfo const& info) override;
  Status put(int level, std::uint32_t col, std::uint32_t row, std::span<unsigned char const> bytes) override;
  Status put_preview(std::span<unsigned char const> bytes) override;
  Status commit() override;
  std::uint64_t bytes_written() const override { return bytes_; }

 private:
  Status write_file(std::filesystem::path const& path, std::span<unsigned char const> bytes);
  std::filesystem::path tile_path(int level, std::uint32_t col, std::uint32_t row) const;
  std::filesystem::path final_dir() const;
  std::filesystem::path base_, tmp_dir_;
  DirectoryLayout layout_;
  std::unique_ptr<Geometry> geometry_;
  std::string last_dir_;
  PyramidInfo info_;
  std::uint64_t bytes_ = 0;
  bool committed_ = false;
};

std::string dzi_xml(PyramidInfo const& info);
// IIIF Image API 3.0 info.json for a level-0 static tile tree; `id` is the service's URL.
std::string iiif_info_json(PyramidInfo const& info, std::string const& id);

}  // namespace astropixel::pyramid
