#pragma once
// IIIF Presentation API 3.0: a dataset as a Manifest (one Canvas painted by our level 2 image
// service, its annotations as W3C Web Annotations), public datasets as a Collection. Pure: the
// caller resolves access and gathers the dataset and its annotations (docs/adr/0025).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/dataset.hpp"

namespace astropixel::tiles::iiif {

inline constexpr std::string_view kPresentationContext = "http://iiif.io/api/presentation/3/context.json";
inline constexpr std::string_view kPresentationType =
    "application/ld+json;profile=\"http://iiif.io/api/presentation/3/context.json\"";
// Annotations per AnnotationPage: the manifest embeds the first page and names the others, so its
// size stays bounded however many annotations a dataset has.
inline constexpr int kAnnotationsPerPage = 500;
// Manifests per Collection page; a larger collection is a Collection of such pages.
inline constexpr int kManifestsPerPage = 100;

struct MetadataEntry {
  std::string label, value;
};

// An annotation in canvas (full-resolution image) pixels.
struct ShapeAnnotation {
  enum class Shape { point, rectangle, circle, polygon };
  std::string id;  // the dataset's annotation id
  Shape shape = Shape::point;
  double x = 0, y = 0, width = 0, height = 0, radius = 0;
  std::vector<std::array<double, 2>> points;
  std::string text, color;  // color "#rrggbb" or empty
  std::int64_t created_at = 0, updated_at = 0;
};

struct ManifestSource {
  std::string base;   // "https://host": every id is absolute
  std::string ident;  // as asked: "{dataset id}" or "{dataset id}-v{N}"
  std::string label, summary;
  std::vector<MetadataEntry> metadata;
  std::uint32_t width = 0, height = 0;
  std::string service_id;                    // the versioned ImageService3, absolute
  std::string homepage;                      // the dataset's page in the web app, absolute; empty: none
  bool listed = false;                       // public: partOf the collection
  std::vector<ShapeAnnotation> annotations;  // the first page
  std::int64_t annotation_total = 0;         // all of them (further pages are referenced)
};

// What the dataset's record says that a IIIF viewer shows as metadata: format, size, category,
// samples, original file, dates, and FITS keywords (OBJECT, TELESCOP, INSTRUME, DATE-OBS, FILTER,
// EXPTIME, ...) recorded by the build.
std::vector<MetadataEntry> dataset_metadata(datasets::Dataset const& d);

std::string manifest_url(std::string_view base, std::string_view ident);
std::string manifest_json(ManifestSource const& m);

// AnnotationPage `page` (1-based) of the manifest at `ident`, standalone (with @context).
std::string annotation_page_json(std::string_view base, std::string_view ident, int page,
                                 std::vector<ShapeAnnotation> const& items);

struct CollectionItem {
  std::string dataset_id, label, service_id;
  std::uint32_t width = 0, height = 0;
};

// The public datasets' Collection. `page` 0 is the top: the manifests themselves when `total` fits
// one page, else one child Collection per page (`page` 1..n lists that page's manifests).
std::string collection_json(std::string_view base, int page, std::int64_t total,
                            std::vector<CollectionItem> const& items);
std::string collection_url(std::string_view base, int page);

// A plain-text value as a IIIF string: a value that starts with '<' and ends with '>' would be read
// as HTML by clients, so it goes out as the HTML of that text.
std::string plain_text(std::string_view s);

}  // namespace astropixel::tiles::iiif
