#include "datasets/dataset_service.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "datasets/access.hpp"
#include "jobs/job_queue.hpp"

namespace astropixel::datasets {
namespace {

bool has_control_chars(std::string const& s, bool allow_newlines) {
  for (unsigned char ch : s) {
    if (ch < 0x20 && !(allow_newlines && (ch == '\n' || ch == '\r' || ch == '\t'))) return true;
    if (ch == 0x7f) return true;
  }
  return false;
}

// The one place that looks a dataset up for someone: what they may not see (or change) answers
// exactly like what does not exist (datasets/access.hpp).
Result<Dataset> find(db::Connection& c, Viewer const& who, std::string const& id, Need need) {
  auto d = store::get(c, id);
  if (!d) return d.error();
  if (auto s = check_access(who, d->owned(), need); !s) return s.error();
  return d;
}

std::string build_payload(int version, std::string const& stretch) {
  boost::json::object o;
  o["version"] = version;
  o["stretch"] = stretch;
  return boost::json::serialize(o);
}

// A FITS HDU or plane asked for, checked against the HDU list of the published pyramid (when there
// is one) so that a typo is answered now rather than by a failed build.
Status check_fits_choice(Dataset const& d, std::string const& request) {
  auto sel = parse_fits_request(request);
  if (!sel) return sel.error();
  if (sel->hdu < 0 && sel->plane == 0) return {};
  if (d.format != "fits") {
    Error e = make_error(ErrorCode::validation, "Only FITS files have HDUs and planes to choose from");
    e.field = sel->hdu >= 0 ? "hdu" : "plane";
    return e;
  }
  boost::system::error_code ec;
  auto info = boost::json::parse(d.pyramid_info, ec);
  auto const* fits = !ec && info.is_object() ? info.as_object().if_contains("fits") : nullptr;
  if (!fits || !fits->is_object()) return {};  // nothing published yet: the build checks
  auto const& f = fits->as_object();
  auto number = [&f](char const* key, std::int64_t fallback) {
    auto const* v = f.if_contains(key);
    return v && v->is_int64() ? v->as_int64() : fallback;
  };
  std::int64_t const hdu = sel->hdu >= 0 ? sel->hdu : number("hdu", 0);
  auto const* hdus = f.if_contains("hdus");
  if (!hdus || !hdus->is_array()) return {};
  auto const& list = hdus->as_array();
  auto field = [](char const* name, std::string message) {
    Error e = make_error(ErrorCode::validation, std::move(message));
    e.field = name;
    return e;
  };
  std::int64_t const count = number("hdu_count", static_cast<std::int64_t>(list.size()));
  if (hdu >= count)
    return field("hdu", "No such HDU: the file has " + std::to_string(count) + " (numbered from 0)");
  if (hdu >= static_cast<std::int64_t>(list.size())) return {};  // past the listed ones: the build checks
  auto const* h = list[static_cast<std::size_t>(hdu)].if_object();
  auto const* displayable = h ? h->if_contains("displayable") : nullptr;
  auto const* axes_value = h ? h->if_contains("axes") : nullptr;
  if (!displayable || !displayable->is_bool() || !axes_value || !axes_value->is_array()) return {};
  if (!displayable->as_bool()) return field("hdu", "HDU " + std::to_string(hdu) + " holds no 2-D image");
  std::int64_t planes = 1;
  auto const& axes = axes_value->as_array();
  for (std::size_t i = 2; i < axes.size() && planes <= kMaxPlane; ++i)
    planes *= std::clamp<std::int64_t>(axes[i].is_int64() ? axes[i].as_int64() : 1, 1, kMaxPlane);
  if (sel->plane >= planes)
    return field("plane", "No such plane: HDU " + std::to_string(hdu) + " has " + std::to_string(planes) +
                              (planes == 1 ? " plane" : " planes") + " (numbered from 0)");
  return {};
}

}  // namespace

Status validate_name(std::string const& name) {
  if (name.empty() || name.size() > 200) return invalid_field("name", "Name must be 1 to 200 characters");
  if (has_control_chars(name, false))
    return invalid_field("name", "Name must not contain control characters");
  return {};
}

Status validate_description(std::string const& description) {
  if (description.size() > 5000)
    return invalid_field("description", "Description must be at most 5000 characters");
  if (has_control_chars(description, true))
    return invalid_field("description", "Description must not contain control characters");
  return {};
}

Status validate_category(std::string const& category) {
  if (!valid_category(category))
    return invalid_field("category", "Category must be earth, mars, space or other");
  return {};
}

Result<Dataset> DatasetService::create(NewDataset const& n, ProbedImage const& image,
                                       std::filesystem::path const& source) {
  return create_with(n, image, [&](std::string const& id) -> Result<std::string> {
    auto key = "sources/" + id + "/source";
    if (auto s = blobs_.adopt(key, source); !s) return s.error();
    return key;
  });
}

Result<Dataset> DatasetService::create_stored(NewDataset const& n, ProbedImage const& image,
                                              std::string const& source_key) {
  return create_with(n, image, [&](std::string const&) -> Result<std::string> { return source_key; });
}

Result<Dataset> DatasetService::create_with(
    NewDataset const& n, ProbedImage const& image,
    std::function<Result<std::string>(std::string const&)> const& store) {
  if (auto s = validate_name(n.name); !s) return s.error();
  if (auto s = validate_description(n.description); !s) return s.error();
  if (auto s = validate_category(n.category); !s) return s.error();
  Dataset d;
  d.id = random_id();
  d.owner_id = n.owner_id;
  d.name = n.name;
  d.description = n.description;
  d.category = n.category;
  d.visibility = n.visibility;
  d.file_name = n.file_name;
  d.file_size = image.file_size;
  d.format = image.format;
  d.width = image.width;
  d.height = image.height;
  d.bands = image.bands;
  d.bit_depth = image.bit_depth;
  d.sample_format = image.sample_format;
  d.stretch = n.stretch;
  d.next_version = 1;
  d.created_at = d.updated_at = now_unix_ms();
  if (n.expires && settings_.retention_hours > 0 && d.visibility == auth::Visibility::private_) {
    d.expires_at = d.created_at + static_cast<std::int64_t>(settings_.retention_hours * 3600 * 1000);
  }
  // The bytes go in first: a crash after this leaves an unreferenced source blob (swept with the
  // upload directory), never a dataset row without its source.
  auto key = store(d.id);
  if (!key) return key.error();
  d.source_key = *key;
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto tx = db::Transaction::begin(**conn, true);
  if (!tx) return tx.error();
  if (auto s = store::insert(**conn, d); !s) return s.error();
  // The owner is the job's fairness key: one user's many builds share the workers with others'.
  if (auto j = jobs::JobQueue::enqueue(**conn, {.kind = std::string(kBuildPyramidJob),
                                                .subject = d.id,
                                                .payload = build_payload(1, d.stretch),
                                                .max_attempts = settings_.job_max_attempts,
                                                .fairness_key = d.owner_id});
      !j) {
    return j.error();
  }
  if (auto s = tx->commit(); !s) {
    (void)blobs_.remove(d.source_key);
    return s.error();
  }
  if (job_enqueued_) job_enqueued_();
  return d;
}

Result<Page> DatasetService::list(Viewer const& who, ListQuery q) {
  q.viewer_id = who ? who->user_id : std::string();
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  return store::list(**conn, q);
}

Result<Dataset> DatasetService::get(Viewer const& who, std::string const& id) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto d = find(**conn, who, id, Need::read);
  if (!d) return d.error();
  return d;
}

Result<Dataset> DatasetService::update(Viewer const& who, std::string const& id, DetailsPatch const& patch) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto tx = db::Transaction::begin(**conn, true);
  if (!tx) return tx.error();
  auto d = find(**conn, who, id, Need::write);
  if (!d) return d.error();
  if (patch.name) {
    if (auto s = validate_name(*patch.name); !s) return s.error();
    d->name = *patch.name;
  }
  if (patch.description) {
    if (auto s = validate_description(*patch.description); !s) return s.error();
    d->description = *patch.description;
  }
  if (patch.category) {
    if (auto s = validate_category(*patch.category); !s) return s.error();
    d->category = *patch.category;
  }
  if (patch.visibility && *patch.visibility != d->visibility) {
    d->visibility = *patch.visibility;
    // Private again: whoever had a link while it was private or public has it no more.
    if (d->visibility == auth::Visibility::private_)
      if (auto s = store::bump_link_epoch(**conn, id); !s) return s.error();
    // Retention applies to private datasets: publishing one keeps it, making it private starts
    // the clock again.
    if (d->visibility == auth::Visibility::public_)
      d->expires_at.reset();
    else if (settings_.retention_hours > 0 && !d->owner_id.empty())
      d->expires_at = now_unix_ms() + static_cast<std::int64_t>(settings_.retention_hours * 3600 * 1000);
  }
  if (patch.display) {
    boost::json::object request;
    boost::system::error_code ec;
    if (auto stored = boost::json::parse(d->stretch, ec); !ec && stored.is_object())
      request = stored.as_object();
    if (patch.display->empty())
      request.erase("display");
    else
      request["display"] = boost::json::parse(*patch.display);
    d->stretch = request.empty() ? std::string() : boost::json::serialize(request);
  }
  if (auto s = store::update_details(**conn, *d); !s) return s.error();
  if (auto s = tx->commit(); !s) return s.error();
  return store::get(**conn, id);
}

Result<std::int64_t> DatasetService::link_epoch(Viewer const& who, std::string const& id) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  if (auto d = find(**conn, who, id, Need::write); !d) return d.error();
  return store::link_epoch(**conn, id);
}

Status DatasetService::revoke_links(Viewer const& who, std::string const& id) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto tx = db::Transaction::begin(**conn, true);
  if (!tx) return tx.error();
  if (auto d = find(**conn, who, id, Need::write); !d) return d.error();
  if (auto s = store::bump_link_epoch(**conn, id); !s) return s.error();
  return tx->commit();
}

Status DatasetService::remove_blobs(Dataset const& d) {
  Status result;
  if (auto s = blobs_.remove(d.source_key); !s) result = s;
  // A composite run that died between storing its image and handing it over leaves it beside the source.
  if (auto left = blobs_.list("sources/" + d.id + "/"); left) {
    for (auto const& b : *left) {
      if (auto s = blobs_.remove(b.key); !s) result = s;
    }
  }
  // Every version's HiPS files.
  if (auto hips = blobs_.list("hips/" + d.id + "/"); hips) {
    for (auto const& b : *hips) {
      if (auto s = blobs_.remove(b.key); !s) result = s;
    }
  }
  // Every version, including a staging pack a cancelled job may still be writing.
  auto all = blobs_.list("pyramids/" + d.id + "/");
  if (!all) return all.error();
  for (auto const& b : *all) {
    if (auto s = blobs_.remove(b.key); !s) result = s;
  }
  return result;
}

Status DatasetService::remove(Viewer const& who, std::string const& id) {
  return remove_checked(&who, id);
}

Status DatasetService::remove_checked(Viewer const* who, std::string const& id) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  Dataset doomed;
  {
    auto tx = db::Transaction::begin(**conn, true);
    if (!tx) return tx.error();
    auto d = store::get(**conn, id);
    if (!d) return d.error();
    if (who) {  // null: the system itself (retention)
      if (auto s = check_access(*who, d->owned(), Need::write); !s) return s.error();
    }
    if (auto s = jobs::JobQueue::request_cancel(**conn, id); !s) return s.error();
    if (auto s = store::remove(**conn, id); !s) return s.error();
    if (auto s = tx->commit(); !s) return s.error();
    doomed = std::move(*d);
  }
  // After the row is gone nothing can reach the blobs; a failure here leaves garbage, not a
  // broken dataset, and is logged for the operator.
  if (auto s = remove_blobs(doomed); !s) {
    log::warn("dataset_blobs_left", {{"dataset", id}, {"detail", s.error().detail}});
  }
  log::info("dataset_deleted", {{"dataset", id}});
  return {};
}

Result<Dataset> DatasetService::reprocess(Viewer const& who, std::string const& id,
                                          RequestChange const& change) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  {
    auto tx = db::Transaction::begin(**conn, true);
    if (!tx) return tx.error();
    auto d = find(**conn, who, id, Need::write);
    if (!d) return d.error();
    // A running build of an older version stops; its pack is never published.
    if (auto s = jobs::JobQueue::request_cancel(**conn, id); !s) return s.error();
    auto request = change_request(d->stretch, change);
    if (!request) return request.error();
    if (auto s = check_fits_choice(*d, *request); !s) return s.error();
    auto version = store::next_version(**conn, id, *request);
    if (!version) return version.error();
    // Counted against the dataset's owner (whose storage and queue share it is), also when an
    // administrator asks.
    if (auto j = jobs::JobQueue::enqueue(**conn, {.kind = std::string(kBuildPyramidJob),
                                                  .subject = id,
                                                  .payload = build_payload(*version, *request),
                                                  .max_attempts = settings_.job_max_attempts,
                                                  .fairness_key = d->owner_id});
        !j) {
      return j.error();
    }
    if (auto s = tx->commit(); !s) return s.error();
  }
  if (job_enqueued_) job_enqueued_();
  return store::get(**conn, id);
}

Result<Stats> DatasetService::stats(Viewer const& who) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  ListQuery q;
  q.viewer_id = who ? who->user_id : std::string();
  return store::stats(**conn, q);
}

Result<int> DatasetService::remove_expired() {
  std::vector<std::string> ids;
  {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    auto r = store::expired(**conn, now_unix_ms());
    if (!r) return r.error();
    ids = std::move(*r);
  }
  int n = 0;
  for (auto const& id : ids) {
    auto s = remove_checked(nullptr, id);
    if (s) {
      ++n;
      log::info("dataset_expired", {{"dataset", id}});
    } else if (s.error().code != ErrorCode::not_found) {
      return s.error();
    }
  }
  return n;
}

}  // namespace astropixel::datasets
