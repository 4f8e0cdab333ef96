#pragma once
// IIIF Image API 3.0: identifiers ("{id}" or "{id}-v{N}"), info.json, and the mapping of an image
// request onto a pre-cut tile (level 0).
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"
#include "pyramid/geometry.hpp"
#include "tiles/iiif_request.hpp"
#include "tiles/tile_address.hpp"

namespace astropixel::tiles::iiif {

// "abc-v3" → ("abc", 3); "abc" → ("abc", nullopt).
std::pair<std::string, std::optional<std::int64_t>> split_identifier(std::string_view ident);

// Whether an identifier may go back out in a Location header: only the characters of a dataset id
// and its "-vN" suffix, never whatever a decoded path segment may hold (CR/LF, '/', spaces).
bool is_safe_identifier(std::string_view ident);

// Our level 2 limits: the largest answer is 4 Mpx (a 2048² region of interest, at most 4096 wide or
// high), which bounds the renderer's memory (region_renderer.hpp).
inline constexpr Limits kLimits{4096, 4096, 2048 * 2048};

// info.json for the image service at `id` (an absolute URI).
std::string info_json(pyramid::Geometry const& g, std::string_view format, std::string_view id);

// Maps an image request onto a pre-cut tile. Errors: bad_request (malformed, or a request a
// level 0 service cannot answer from its tiles: reason iiif_not_precut), not_found (format).
Result<TileAddress> precut_tile(pyramid::Geometry const& g, std::string_view format, std::string_view region,
                                std::string_view size, std::string_view rotation, std::string_view quality,
                                std::string_view requested_format);

// The versioned info.json path (relative: the client's origin is ours).
std::string client_url(std::string_view dataset_id, int version);

}  // namespace astropixel::tiles::iiif
