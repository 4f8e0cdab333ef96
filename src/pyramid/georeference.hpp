#pragma once
// Where a GeoTIFF sits on its body (Earth, Mars, the Moon): the coordinate system's EPSG code (when
// it has one), the affine geotransform from pixel to model coordinates (GDAL's order: x0, dx, rx,
// y0, ry, dy, for the pixel's top-left corner), the bounds and the pixel size. Read with libgeotiff
// from the GeoKey directory and the ModelTiepoint/ModelPixelScale or ModelTransformation tags.
#include <array>
#include <filesystem>
#include <optional>
#include <string>

namespace astropixel::pyramid {

struct Georeference {
  std::string model;     // "projected", "geographic", "geocentric", or "" when not said
  int epsg = 0;          // 0: user-defined or not given
  std::string citation;  // the file's own description of its coordinate system
  std::optional<std::array<double, 6>> geotransform;
};

// nullopt when the file is not a TIFF or carries no georeferencing.
std::optional<Georeference> read_georeference(std::filesystem::path const& tiff);

// {"model", "epsg", "crs", "citation", "geotransform", "bounds": [minx, miny, maxx, maxy],
// "pixel_size": [x, y]} for an image of width × height pixels.
std::string to_json(Georeference const& g, std::uint32_t width, std::uint32_t height);

}  // namespace astropixel::pyramid
