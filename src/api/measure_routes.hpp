#pragma once
// Measurements over a dataset's original values (issue 15 point 3, DS9's region statistics and
// projection): statistics of the pixels inside a rectangle, circle or polygon, and the values along
// a line. Access as for tiles: what a caller may not see answers 404 like what does not exist.
#include <cstdint>

#include "api/authn.hpp"
#include "http/router.hpp"
#include "tiles/tile_directory.hpp"

namespace astropixel::api {

struct MeasureOptions {
  // The most full-resolution pixels one region may cover (its bounding box inside the image): the
  // statistics read every one of them, several times for the median of a large region, on the
  // blocking pool. 64 Mpx is a 8192 × 8192 box, a few seconds.
  std::uint64_t max_region_pixels = 64ull << 20;
  int max_polygon_points = 1000;
  int max_profile_samples = 4096;
};

void add_measure_routes(http::Router& router, Authenticator& authn, tiles::TileDirectory& directory,
                        MeasureOptions const& options = {});

}  // namespace astropixel::api
