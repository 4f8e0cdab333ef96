#pragma once
// What callers may do with datasets, with the access policy applied: a dataset the caller may not
// see answers exactly like one that does not exist.
#include <functional>
#include <optional>
#include <string>

#include "auth/policy.hpp"
#include "datasets/composite_request.hpp"
#include "datasets/dataset.hpp"
#include "datasets/dataset_store.hpp"
#include "datasets/stretch_request.hpp"
#include "db/pool.hpp"
#include "storage/blob_store.hpp"

namespace astropixel::datasets {

inline constexpr std::string_view kBuildPyramidJob = "build_pyramid";

struct Settings {
  double retention_hours = 0;  // private datasets expire this long after creation; 0 = never
  int job_max_attempts = 3;
};

struct DetailsPatch {
  std::optional<std::string> name, description, category;
  std::optional<auth::Visibility> visibility;
  // The viewer's default display, as validated JSON; empty to remove it. Kept under "display" in
  // the stretch request, which a reprocess carries over.
  std::optional<std::string> display;
};

// A new dataset made from a finished upload.
struct NewDataset {
  std::string owner_id;  // empty = system (demo)
  std::string name, description, category = "other";
  auth::Visibility visibility = auth::Visibility::private_;
  std::string file_name;
  std::string stretch;  // requested stretch JSON, empty for the default
  bool expires = true;  // subject to DATASET_RETENTION_HOURS
};

struct ProbedImage {
  std::string format, sample_format;
  std::int64_t width = 0, height = 0, file_size = 0;
  int bands = 0, bit_depth = 0;
};

using Viewer = std::optional<auth::Principal>;

class DatasetService {
 public:
  DatasetService(db::Pool& pool, storage::BlobStore& blobs, Settings settings,
                 std::function<void()> job_enqueued)
      : pool_(pool), blobs_(blobs), settings_(settings), job_enqueued_(std::move(job_enqueued)) {}

  // Moves `source` into the store and creates the dataset (pending) and its build job in one
  // transaction. Errors: validation, storage and database errors; on error the file is left in place.
  Result<Dataset> create(NewDataset const& d, ProbedImage const& image, std::filesystem::path const& source);
  // The same for a source already in the store under `source_key` (which the dataset then owns).
  Result<Dataset> create_stored(NewDataset const& d, ProbedImage const& image, std::string const& source_key);

  Result<Page> list(Viewer const& who, ListQuery q);
  Result<Dataset> get(Viewer const& who, std::string const& id);
  // Making a public dataset private again also revokes its links for other viewers.
  Result<Dataset> update(Viewer const& who, std::string const& id, DetailsPatch const& patch);
  // The number a link for other viewers of dataset `id` is signed over (auth/viewer_links.hpp), for
  // its owner or an admin. Errors: as update.
  Result<std::int64_t> link_epoch(Viewer const& who, std::string const& id);
  // Revokes every link for other viewers of dataset `id`. Errors: as update.
  Status revoke_links(Viewer const& who, std::string const& id);
  // Cancels its jobs, deletes the row, then the source and every pyramid version.
  Status remove(Viewer const& who, std::string const& id);
  // Builds a new pyramid version (optionally with another stretch, or another FITS HDU or plane);
  // the current one keeps serving. Errors: validation when the published pyramid's HDU list shows
  // the HDU or plane asked for does not exist or holds no image.
  Result<Dataset> reprocess(Viewer const& who, std::string const& id, RequestChange const& change);
  // A colour composite of three datasets the caller may read (composite_request.hpp; composite_service.cpp),
  // created pending with its build_composite job. Errors: validation (name, invalid_stretch,
  // invalid_cuts, invalid_weight); not_found for a channel the caller may not see;
  // composite_needs_original_values, composite_grid_mismatch, composite_alignment_unconfirmed;
  // no_data_statistics (histeq on a pack without them); what `admit_storage` answers for the image's
  // uncompressed size (the storage quota).
  Result<Dataset> create_composite(
      Viewer const& who, CompositeRequest const& request,
      std::function<Status(std::string const& user, std::uint64_t bytes)> const& admit_storage = {});
  Result<Stats> stats(Viewer const& who);
  // Deletes datasets past their expiry; returns how many.
  Result<int> remove_expired();

 private:
  // `store` puts the source in place for the new dataset's id and returns its key.
  Result<Dataset> create_with(NewDataset const& n, ProbedImage const& image,
                              std::function<Result<std::string>(std::string const&)> const& store);
  Status remove_blobs(Dataset const& d);
  Status remove_checked(Viewer const* who, std::string const& id);
  db::Pool& pool_;
  storage::BlobStore& blobs_;
  Settings settings_;
  std::function<void()> job_enqueued_;
};

// Validation of user-supplied details (shared by uploads and updates). Errors: validation with field.
Status validate_name(std::string const& name);
Status validate_description(std::string const& description);
Status validate_category(std::string const& category);

}  // namespace astropixel::datasets
