#pragma once
// The XYZ scheme (Leaflet, OpenLayers): z = 0 is the whole image in one tile, each zoom doubles.
// The version rides in the query (?v=N) because XYZ clients only substitute {z}/{x}/{y}.
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "pyramid/geometry.hpp"
#include "tiles/tile_address.hpp"

namespace astropixel::tiles::xyz {

// Errors: not_found outside the pyramid.
Result<TileAddress> tile(pyramid::Geometry const& g, std::int64_t z, std::int64_t x, std::int64_t y);

// The "v" query value: nullopt when absent. Errors: not_found when it is not a number (a URL that
// names no version of anything).
Result<std::optional<std::int64_t>> version(std::optional<std::string_view> v);

// The URL template, versioned.
std::string client_url(std::string_view dataset_id, int version, std::string_view format);

}  // namespace astropixel::tiles::xyz
