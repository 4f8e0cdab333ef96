#pragma once
// Annotations under the dataset access policy: whoever may see the dataset may read its
// annotations; signed-in readers may add their own; only the author, the dataset's owner or an
// admin may change or delete one.
#include <optional>
#include <string>
#include <vector>

#include "annotations/annotation.hpp"
#include "annotations/region_import.hpp"
#include "auth/policy.hpp"
#include "db/pool.hpp"

namespace astropixel::annotations {

struct NewAnnotation {
  std::string kind, label, color = "#f4c95d", geometry_json;
};

struct Patch {
  std::optional<std::string> label, color, geometry_json;
};

struct ListFilter {
  std::optional<Kind> kind;
  std::string text;
  int limit = 1000, offset = 0;
};

class AnnotationService {
 public:
  explicit AnnotationService(db::Pool& pool) : pool_(pool) {}

  // Errors: not_found (no dataset or not visible).
  Result<std::pair<std::vector<Annotation>, std::int64_t>> list(std::optional<auth::Principal> const& who,
                                                                std::string const& dataset_id,
                                                                ListFilter const& f);
  // The dataset's height, for DS9 export. Errors: as list.
  Result<double> image_height(std::optional<auth::Principal> const& who, std::string const& dataset_id);
  // The dataset's size and the celestial WCS its pyramid recorded (pyramid/fits_wcs.hpp; empty
  // when it has none), for region conversion. Errors: as list.
  struct Sky {
    double width = 0, height = 0;
    std::string wcs_json;
  };
  Result<Sky> sky(std::optional<auth::Principal> const& who, std::string const& dataset_id);
  // Adds converted regions or catalogue rows as the caller's annotations, all or none (one
  // transaction); returns how many. Errors: unauthorized (guests), not_found, validation.
  Result<std::size_t> add_imported(std::optional<auth::Principal> const& who, std::string const& dataset_id,
                                   std::vector<ImportedAnnotation> const& items);
  // Errors: unauthorized (guests), not_found, validation.
  Result<Annotation> create(std::optional<auth::Principal> const& who, std::string const& dataset_id,
                            NewAnnotation const& n);
  // Errors: not_found, forbidden (visible but not yours), validation.
  Result<Annotation> update(std::optional<auth::Principal> const& who, std::string const& dataset_id,
                            std::string const& id, Patch const& p);
  Status remove(std::optional<auth::Principal> const& who, std::string const& dataset_id,
                std::string const& id);

 private:
  struct DatasetAccess {
    auth::Owned owned;
    double width = 0, height = 0;
    std::string pyramid_info;
  };
  Result<DatasetAccess> readable(db::Connection& c, std::optional<auth::Principal> const& who,
                                 std::string const& dataset_id);
  Result<Annotation> load(db::Connection& c, std::string const& dataset_id, std::string const& id);
  db::Pool& pool_;
};

}  // namespace astropixel::annotations
