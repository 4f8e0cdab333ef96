#pragma once
// IIIF level 2's pixels: draws an ImageRequest from a pyramid's pre-cut tiles. It reads the coarsest
// level that still has at least the requested resolution, decodes only the tiles covering the region,
// composites and crops them, resamples to the size, mirrors/rotates, applies the quality and encodes.
// Memory is bounded by the request's size (capped by maxArea, 4 MP): the chosen level holds at most
// about 2× the output in each direction, plus one tile's margin, and never more than 16 MP is
// decoded. An arbitrary rotation's bounding box holds up to (w+h)^2/2 pixels, 13 MP for a 4096x1024
// answer at 45 degrees; with its alpha band and the encoder's copies one render holds under about
// 150 MB. How many
// render at once is the caller's to bound (tiles::TileService).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "pyramid/pack.hpp"
#include "tiles/decoded_tile_cache.hpp"
#include "tiles/iiif_request.hpp"

namespace astropixel::tiles {

struct Rendered {
  std::vector<unsigned char> bytes;
  std::string content_type;
};

// What drawing a request reads: a pyramid level and the part [x0, x1) × [y0, y1) of it, in that
// level's pixels.
struct RegionPlan {
  int level = 0;
  std::uint32_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};
RegionPlan plan_region(pyramid::Geometry const& g, iiif::ImageRequest const& req);

// The pixels a render of `req` decodes (whole tiles) and draws: its cost, which the render pool
// weighs it by (tiles::TileService).
std::uint64_t render_pixels(pyramid::Geometry const& g, iiif::ImageRequest const& req);

// Blocking (decodes and encodes; tile reads may be ranged GETs): run off the I/O threads. With
// `decoded`, JPEG tiles are taken from it and kept in it under `pack_name` (the pack's dataset and
// version, decoded_tile_cache.hpp); the answer is the same with or without it.
// Errors: not_found (a tile is missing), unavailable, internal (decode or encode failed).
Result<Rendered> render_region(pyramid::PackReader const& pack, iiif::ImageRequest const& req,
                               DecodedTileCache* decoded = nullptr, std::string_view pack_name = {});

}  // namespace astropixel::tiles
