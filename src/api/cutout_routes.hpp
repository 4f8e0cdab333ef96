#pragma once
// Cut-outs (docs/adr/0027-cutouts.md): GET /api/datasets/{id}[/v{N}]/cutout?x=&y=&w=&h=&format=
// png|tiff|fits, a rectangle of the full-resolution image as a file to download: the display pixels
// as PNG or TIFF, the original values as FITS where the dataset has a data pyramid. Access as for
// tiles: what a caller may not see answers 404 like what does not exist.
#include <cstdint>
#include <filesystem>

#include "api/authn.hpp"
#include "datasets/dataset_service.hpp"
#include "http/router.hpp"
#include "tiles/tile_directory.hpp"

namespace astropixel::api {

struct CutoutOptions {
  // The most pixels one cut-out may hold (after clipping to the image); more answers 422.
  std::uint64_t max_pixels = 64ull << 20;
  // Where a cut-out is written before it is sent (an unlinked file: nothing stays behind).
  std::filesystem::path scratch_dir = std::filesystem::temp_directory_path();
  // Free space a cut-out must leave on the scratch file system; less answers 507.
  std::uint64_t disk_reserve_bytes = 0;
};

void add_cutout_routes(http::Router& router, Authenticator& authn, tiles::TileDirectory& directory,
                       datasets::DatasetService& datasets, CutoutOptions options = {});

}  // namespace astropixel::api
