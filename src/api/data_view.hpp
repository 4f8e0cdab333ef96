#pragma once
// What the endpoints over a dataset's pyramid share: the view the caller may see (from the route's
// {id} and optional {version}, with the tiles' access rules: hidden answers 404 like missing), the
// full-resolution original values of its data pyramid one tile at a time, and the FITS BUNIT they
// are in. For handlers on the blocking pool.
#include <optional>
#include <string>

#include "api/endpoint.hpp"
#include "pyramid/region_stats.hpp"
#include "tiles/tile_directory.hpp"
#include "tiles/tile_service.hpp"

namespace astropixel::api {

// The pyramid named by the route. Errors: not_found, unavailable (while it is being replaced).
Result<tiles::View> resolve_call_view(tiles::TileDirectory& directory, Call const& call);

// The same, for endpoints over original values. Errors: also no_data_pyramid (8-bit sources have
// only display tiles).
Result<tiles::View> resolve_data_view(tiles::TileDirectory& directory, Call const& call);

// Decodes the data tiles of the full-resolution level as they are asked for. The view must outlive it.
pyramid::DataTileReader full_resolution_values(tiles::View const& view);

// FITS BUNIT from the pack's metadata, if any.
std::optional<std::string> bunit_of(pyramid::PackReader const& pack);

}  // namespace astropixel::api
