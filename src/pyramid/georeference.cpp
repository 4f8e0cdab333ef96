#include "pyramid/georeference.hpp"

#include <geotiff/geo_tiffp.h>
#include <geotiff/geokeys.h>
#include <geotiff/geotiff.h>
#include <geotiff/geovalues.h>
#include <geotiff/xtiffio.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <memory>

namespace astropixel::pyramid {
namespace {

void quiet(char const*, char const*, va_list) {}

}  // namespace

std::optional<Georeference> read_georeference(std::filesystem::path const& path) {
  TIFFSetWarningHandler(quiet);
  TIFFSetErrorHandler(quiet);
  std::unique_ptr<TIFF, void (*)(TIFF*)> tif(XTIFFOpen(path.c_str(), "r"), XTIFFClose);
  if (!tif) return std::nullopt;
  std::unique_ptr<GTIF, void (*)(GTIF*)> gtif(GTIFNew(tif.get()), GTIFFree);
  Georeference g;
  bool any = false;
  if (gtif) {
    unsigned short model = 0, raster = 0, code = 0;
    if (GTIFKeyGet(gtif.get(), GTModelTypeGeoKey, &model, 0, 1) == 1) {
      any = true;
      g.model = model == ModelTypeProjected    ? "projected"
                : model == ModelTypeGeographic ? "geographic"
                : model == ModelTypeGeocentric ? "geocentric"
                                               : "";
    }
    // 32767 is "user-defined" in GeoTIFF: no EPSG code to report.
    if (GTIFKeyGet(gtif.get(), ProjectedCSTypeGeoKey, &code, 0, 1) == 1 && code != 32767) {
      g.epsg = code;
    } else if (GTIFKeyGet(gtif.get(), GeographicTypeGeoKey, &code, 0, 1) == 1 && code != 32767) {
      g.epsg = code;
    }
    char citation[512] = {};
    if (GTIFKeyGet(gtif.get(), GTCitationGeoKey, citation, 0, sizeof citation - 1) > 0 ||
        GTIFKeyGet(gtif.get(), PCSCitationGeoKey, citation, 0, sizeof citation - 1) > 0) {
      g.citation = std::string(citation, strnlen(citation, sizeof citation));
      while (!g.citation.empty() && (g.citation.back() == '|' || g.citation.back() == ' '))
        g.citation.pop_back();
    }
    // Pixel-is-point files put the tie point on the pixel's centre; GDAL's convention (and ours)
    // is the corner.
    bool point =
        GTIFKeyGet(gtif.get(), GTRasterTypeGeoKey, &raster, 0, 1) == 1 && raster == RasterPixelIsPoint;
    std::uint16_t n_scale = 0, n_tie = 0, n_matrix = 0;
    double *scale = nullptr, *tie = nullptr, *matrix = nullptr;
    if (TIFFGetField(tif.get(), TIFFTAG_GEOTRANSMATRIX, &n_matrix, &matrix) && n_matrix >= 16) {
      g.geotransform = std::array{matrix[3], matrix[0], matrix[1], matrix[7], matrix[4], matrix[5]};
    } else if (TIFFGetField(tif.get(), TIFFTAG_GEOPIXELSCALE, &n_scale, &scale) && n_scale >= 2 &&
               TIFFGetField(tif.get(), TIFFTAG_GEOTIEPOINTS, &n_tie, &tie) && n_tie >= 6) {
      double sx = scale[0], sy = scale[1];
      g.geotransform = std::array{tie[3] - tie[0] * sx, sx, 0.0, tie[4] + tie[1] * sy, 0.0, -sy};
    }
    if (g.geotransform && point) {
      auto& t = *g.geotransform;
      t[0] -= 0.5 * t[1] + 0.5 * t[2];
      t[3] -= 0.5 * t[4] + 0.5 * t[5];
    }
    if (g.geotransform) {
      any = true;
      for (double v : *g.geotransform) {
        if (!std::isfinite(v)) g.geotransform.reset();
        if (!g.geotransform) break;
      }
    }
  }
  if (!any) return std::nullopt;
  return g;
}

std::string to_json(Georeference const& g, std::uint32_t width, std::uint32_t height) {
  boost::json::object o{
      {"model", g.model.empty() ? boost::json::value(nullptr) : boost::json::value(g.model)},
      {"epsg", g.epsg ? boost::json::value(g.epsg) : boost::json::value(nullptr)},
      {"crs", g.epsg ? boost::json::value("EPSG:" + std::to_string(g.epsg)) : boost::json::value(nullptr)},
      {"citation", g.citation.empty() ? boost::json::value(nullptr) : boost::json::value(g.citation)}};
  if (g.geotransform) {
    auto const& t = *g.geotransform;
    o["geotransform"] = boost::json::array(t.begin(), t.end());
    // The four corners through the transform (rotation terms included).
    double xs[4], ys[4];
    int i = 0;
    for (double px : {0.0, static_cast<double>(width)}) {
      for (double py : {0.0, static_cast<double>(height)}) {
        xs[i] = t[0] + px * t[1] + py * t[2];
        ys[i] = t[3] + px * t[4] + py * t[5];
        ++i;
      }
    }
    o["bounds"] = boost::json::array{*std::min_element(xs, xs + 4), *std::min_element(ys, ys + 4),
                                     *std::max_element(xs, xs + 4), *std::max_element(ys, ys + 4)};
    o["pixel_size"] = boost::json::array{std::hypot(t[1], t[4]), std::hypot(t[2], t[5])};
  }
  return boost::json::serialize(o);
}

}  // namespace astropixel::pyramid
