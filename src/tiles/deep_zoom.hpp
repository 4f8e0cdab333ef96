#pragma once
// Deep Zoom (OpenSeadragon's native protocol): the .dzi descriptor, level/col_row tile addresses and
// the client URL of a pyramid version.
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "pyramid/geometry.hpp"
#include "tiles/tile_address.hpp"

namespace astropixel::tiles::deep_zoom {

std::string dzi_xml(pyramid::Geometry const& g, std::string_view format);

// Deep Zoom level/col/row, checked. Errors: not_found outside the pyramid.
Result<TileAddress> tile(pyramid::Geometry const& g, std::int64_t level, std::int64_t col, std::int64_t row);

// The versioned (immutable) descriptor URL; its tiles lie beside it in image_files/.
std::string client_url(std::string_view dataset_id, int version);

}  // namespace astropixel::tiles::deep_zoom
