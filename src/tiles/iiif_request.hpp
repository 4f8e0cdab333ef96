#pragma once
// An IIIF Image API 3.0 image request (region/size/rotation/quality.format) checked against an
// image and our limits, resolved to pixels: what the region renderer draws. Pure.
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace astropixel::tiles::iiif {

struct Limits {
  std::uint64_t max_width = 0, max_height = 0, max_area = 0;
};

enum class Quality { default_, color, gray, bitonal };

struct ImageRequest {
  std::uint32_t x = 0, y = 0, w = 0, h = 0;  // region, full-resolution pixels, inside the image
  std::uint32_t width = 0, height = 0;       // scaled size, before rotation
  double rotation = 0;                       // degrees clockwise, 0 <= rotation < 360
  bool mirror = false;                       // mirrored about the vertical axis, before rotating
  Quality quality = Quality::default_;
  std::string format;  // jpg, png, webp, tif

  // The canonical form of the request's parameters (the spec's canonical URI syntax): the key of the
  // answer cache and the Link rel="canonical".
  std::string canonical() const;
  // A multiple of 90 degrees: the image is turned, not resampled.
  bool right_angle() const { return std::fmod(rotation, 90.0) == 0; }
};

// The formats we encode.
inline constexpr std::string_view kFormats[] = {"jpg", "png", "webp", "tif"};

// Errors: bad_request with reason iiif_bad_request (malformed parameter, region outside the image,
// size zero or above the region without "^", rotation not a multiple of 90, unknown quality or
// format) or iiif_too_large (above maxWidth, maxHeight or maxArea).
Result<ImageRequest> parse_image_request(std::uint32_t image_width, std::uint32_t image_height,
                                         Limits const& limits, std::string_view region, std::string_view size,
                                         std::string_view rotation, std::string_view quality,
                                         std::string_view format);

}  // namespace astropixel::tiles::iiif
