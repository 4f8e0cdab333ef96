#pragma once
// The three ways a pyramid is described and addressed: Deep Zoom (.dzi), the XYZ scheme and the
// IIIF Image API 3.0 at level 0 (pre-cut tiles only). Pure functions over the pyramid geometry.
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "pyramid/geometry.hpp"

namespace astropixel::tiles {

struct TileAddress {
  int level = 0;  // Deep Zoom level
  std::uint32_t col = 0, row = 0;
};

std::string dzi_xml(pyramid::Geometry const& g, std::string_view format);

// IIIF info.json for the image service at `id` (an absolute URI).
std::string iiif_info_json(pyramid::Geometry const& g, std::string_view format, std::string_view id);

// Maps an IIIF image request onto a pre-cut tile. Errors: bad_request (malformed, or a request a
// level 0 service cannot answer from its tiles: reason iiif_not_precut), not_found (format).
Result<TileAddress> iiif_tile(pyramid::Geometry const& g, std::string_view format, std::string_view region,
                              std::string_view size, std::string_view rotation, std::string_view quality,
                              std::string_view requested_format);

// XYZ: z = 0 is the whole image in one tile. Errors: not_found outside the pyramid.
Result<TileAddress> xyz_tile(pyramid::Geometry const& g, std::int64_t z, std::int64_t x, std::int64_t y);
// Deep Zoom level/col/row, checked. Errors: not_found outside the pyramid.
Result<TileAddress> dz_tile(pyramid::Geometry const& g, std::int64_t level, std::int64_t col,
                            std::int64_t row);

std::string_view content_type_of(std::string_view format);

}  // namespace astropixel::tiles
