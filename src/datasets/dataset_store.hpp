#pragma once
// Dataset rows, in the one SQL text both databases accept. Every call takes the connection to run
// on, so callers compose them into transactions (a dataset and its build job are created together).
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "datasets/dataset.hpp"
#include "db/connection.hpp"

namespace astropixel::datasets {

struct ListQuery {
  std::string viewer_id;    // empty for guests: public datasets only
  bool everything = false;  // admins' overview: all datasets
  std::optional<std::string> owner_id;
  std::optional<std::string> category;
  std::optional<DatasetStatus> status;
  std::optional<auth::Visibility> visibility;
  std::string text;            // matched case-insensitively against name and description
  std::string sort = "-date";  // name | date | size, '-' prefix = descending
  int limit = 50, offset = 0;
};

struct Page {
  std::vector<Dataset> items;
  std::int64_t total = 0;
};

// What the tile read path needs of a dataset: who may see it, and its live pyramid.
struct PublishedPyramid {
  auth::Owned owned;
  int version = 0;       // 0: no pyramid yet
  std::string key;       // the pack's blob key
  std::string building;  // JSON of a build in progress that can be viewed (Dataset::building); empty: none
  std::int64_t link_epoch = 0;  // what links for other viewers are signed over (auth/viewer_links.hpp)
};

struct Stats {
  std::int64_t datasets = 0, total_bytes = 0, total_pixels = 0;
  std::vector<std::pair<std::string, std::int64_t>> by_category, by_status, by_format;
};

namespace store {

Status insert(db::Connection& c, Dataset const& d);
// Errors: not_found.
Result<Dataset> get(db::Connection& c, std::string const& id);
// Errors: not_found "Dataset not found".
Result<PublishedPyramid> published_pyramid(db::Connection& c, std::string const& id);
// Errors: validation (unknown sort key).
Result<Page> list(db::Connection& c, ListQuery const& q);
Status update_details(db::Connection& c, Dataset const& d);
// The number links for other viewers are signed over; moving it on revokes them all.
Result<std::int64_t> link_epoch(db::Connection& c, std::string const& id);
Status bump_link_epoch(db::Connection& c, std::string const& id);
// Sets status and progress (progress only ever grows within a run).
Status set_status(db::Connection& c, std::string const& id, DatasetStatus s, int progress);
// A build starting: processing at 0 %, unless the dataset has failed meanwhile (an administrator
// cancelled the build between its claim and this start; both decide on this one row, so whichever
// writes second sees the other). False: failed, or gone.
Result<bool> start_processing(db::Connection& c, std::string const& id);
Status set_progress(db::Connection& c, std::string const& id, int progress);
// What a running build of `version` exposes to viewers (Dataset::building), written only while the
// job `job_id` still holds the lease `lease_token`, the dataset is processing and `version` is its
// newest: a worker that lost its job, or whose version a reprocess superseded, changes nothing.
// Errors: conflict (not written: lease lost, superseded, or no longer processing).
Status set_building(db::Connection& c, std::string const& id, int version, std::string const& building,
                    std::string const& job_id, std::string const& lease_token);
Status set_failed(db::Connection& c, std::string const& id, std::string const& code,
                  std::string const& reason);
// Hands out the next pyramid version and resets the status to pending with the requested stretch;
// the superseded build's snapshot is no longer announced (its job is being cancelled and removes it).
// Errors: not_found.
Result<int> next_version(db::Connection& c, std::string const& id, std::string const& stretch);
// Switches the published pyramid to `version` unless a newer one is already published. Returns the
// key of the pack it replaced (empty if none); `sky_object` is the FITS OBJECT keyword, searched
// with the name and description. Errors: not_found (deleted meanwhile), conflict.
Result<std::string> publish(db::Connection& c, std::string const& id, int version, std::string const& key,
                            std::string const& info, std::string const& sky_object = {});
// The image's size and samples as the published pyramid shows them (a FITS HDU other than the
// one probed at upload can differ). Errors: not_found.
Status set_shape(db::Connection& c, std::string const& id, std::int64_t width, std::int64_t height,
                 int bit_depth, std::string const& sample_format);
Status remove(db::Connection& c, std::string const& id);
Result<std::vector<std::string>> expired(db::Connection& c, std::int64_t now_ms);
Result<Stats> stats(db::Connection& c, ListQuery const& visible);

// The latest dataset creations and sign-ups, newest first (the admin activity feed).
struct Activity {
  std::string kind;  // "dataset" | "user"
  std::string id, name, actor;
  std::int64_t at = 0;
};
Result<std::vector<Activity>> recent_activity(db::Connection& c, int limit);

}  // namespace store
}  // namespace astropixel::datasets
