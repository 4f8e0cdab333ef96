// DatasetService::create_composite: the checks a colour composite passes before it is queued
// (docs/adr/0029-colour-composites.md). Everything the build will need is checked here, so a
// refusal is an answer to the request rather than a failed dataset later.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <cmath>

#include "core/clock.hpp"
#include "core/error_catalogue.hpp"
#include "core/ids.hpp"
#include "datasets/access.hpp"
#include "datasets/composite_job.hpp"
#include "datasets/dataset_service.hpp"
#include "jobs/job_queue.hpp"
#include "pyramid/composite.hpp"
#include "pyramid/wcs_match.hpp"

namespace astropixel::datasets {
namespace {

Error with_field(Error e, std::string field) {
  e.field = std::move(field);
  return e;
}

// The parts of a channel's request that need no dataset. Errors: invalid_stretch, invalid_cuts,
// invalid_weight, each naming the channel's field ("channels[1].weight").
Result<pyramid::StretchKind> check_settings(CompositeChannelRequest const& c, std::string const& at) {
  auto kind = pyramid::parse_stretch(c.stretch);
  if (!kind) return with_field(kind.error(), at + ".stretch");
  if (!std::isfinite(c.lo) || !std::isfinite(c.hi) || !(c.lo < c.hi) || !std::isfinite(c.hi - c.lo))
    return with_field(make_error(errc::invalid_cuts, "lo must be below hi, and hi - lo finite"), at + ".hi");
  if (!std::isfinite(c.weight) || !(c.weight > 0) || c.weight > pyramid::kMaxCompositeWeight)
    return with_field(make_error(errc::invalid_weight, "weight must be a number above 0 and at most 10"),
                      at + ".weight");
  return kind;
}

std::string wcs_of(Dataset const& d) {
  boost::system::error_code ec;
  auto info = boost::json::parse(d.pyramid_info, ec);
  if (ec || !info.is_object()) return {};
  auto const* w = info.as_object().if_contains("wcs");
  return w && w->is_object() ? boost::json::serialize(*w) : std::string();
}

}  // namespace

Result<Dataset> DatasetService::create_composite(
    Viewer const& who, CompositeRequest const& request,
    std::function<Status(std::string const& user, std::uint64_t bytes)> const& admit_storage) {
  if (!who) return make_error(errc::not_authenticated);
  if (auto s = validate_name(request.name); !s) return s.error();
  if (auto s = validate_description(request.description); !s) return s.error();
  std::array<pyramid::StretchKind, 3> kinds{};
  for (std::size_t i = 0; i < 3; ++i) {
    auto kind = check_settings(request.channels[i], fmt::format("channels[{}]", i));
    if (!kind) return kind.error();
    kinds[i] = *kind;
  }
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  std::array<Dataset, 3> channels;
  std::array<std::string, 3> wcs;
  std::uint32_t width = 0, height = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    auto const band = kCompositeBands[i];
    auto d = store::get(**conn, request.channels[i].dataset_id);
    if (!d) return d.error();
    if (auto s = check_access(who, d->owned(), Need::read); !s) return s.error();
    if (d->pyramid_version == 0)
      return make_error(errc::composite_needs_original_values,
                        fmt::format("The {} channel ({}) is not built yet", band, d->name));
    // The pack, not the row, says whether the original values are there (packs built before data
    // pyramids existed have none) and what the full resolution is.
    auto pack = open_stored_pack(blobs_, d->pyramid_key);
    if (!pack) return pack.error();
    if (!(*pack)->has_data())
      return make_error(errc::composite_needs_original_values,
                        fmt::format("The {} channel ({}) has no original values: composites are made of "
                                    "single-band 16-bit, float or FITS images",
                                    band, d->name));
    auto const& c = request.channels[i];
    if (auto s = pyramid::channel_stretch(**pack, kinds[i], c.lo, c.hi); !s)
      return with_field(s.error(), fmt::format("channels[{}].stretch", i));
    auto const w = (*pack)->geometry().width(), h = (*pack)->geometry().height();
    if (i == 0) {
      width = w, height = h;
    } else if (w != width || h != height) {
      return make_error(
          errc::composite_grid_mismatch,
          fmt::format("The channels differ in size: red ({}) is {} × {} pixels, {} ({}) {} × {}",
                      channels[0].name, width, height, band, d->name, w, h));
    }
    wcs[i] = wcs_of(*d);
    channels[i] = std::move(*d);
  }
  bool const all_wcs = !wcs[0].empty() && !wcs[1].empty() && !wcs[2].empty();
  if (all_wcs) {
    for (std::size_t i = 1; i < 3; ++i) {
      auto diff = pyramid::compare_sky_grids(wcs[0], wcs[i]);
      if (!diff.what.empty())
        return make_error(errc::composite_grid_mismatch,
                          fmt::format("The red ({}) and {} ({}) channels do not share a pixel grid: {}",
                                      channels[0].name, kCompositeBands[i], channels[i].name, diff.what));
    }
  } else if (!request.confirm_alignment) {
    std::string without;
    for (std::size_t i = 0; i < 3; ++i)
      if (wcs[i].empty())
        without +=
            fmt::format("{}{} ({})", without.empty() ? "" : ", ", kCompositeBands[i], channels[i].name);
    return make_error(
        errc::composite_alignment_unconfirmed,
        fmt::format("Without a celestial WCS on every channel their alignment cannot be checked "
                    "(none on: {}): confirm that the images are pixel-aligned",
                    without));
  }

  // The composite's source counts against the owner's quota like an upload's; its size is known only
  // once written, so the uncompressed size (an upper bound for the deflated TIFF) is asked for.
  if (admit_storage) {
    if (auto s = admit_storage(who->user_id, std::uint64_t{width} * height * 3); !s) return s.error();
  }

  // The recipe, kept in the stretch request (composite_job.hpp).
  boost::json::array recipe;
  for (std::size_t i = 0; i < 3; ++i) {
    auto const& c = request.channels[i];
    recipe.push_back(boost::json::object{{"band", kCompositeBands[i]},
                                         {"dataset_id", channels[i].id},
                                         {"name", channels[i].name},
                                         {"version", channels[i].pyramid_version},
                                         {"stretch", pyramid::to_string(kinds[i])},
                                         {"lo", c.lo},
                                         {"hi", c.hi},
                                         {"weight", c.weight}});
  }
  boost::json::object composite{{"channels", std::move(recipe)},
                                {"aligned_by", all_wcs ? "wcs" : "confirmation"}};
  if (!wcs[0].empty()) composite["wcs"] = boost::json::parse(wcs[0]);

  Dataset d;
  d.id = random_id();
  d.owner_id = who->user_id;
  d.name = request.name;
  d.description = request.description;
  d.category = channels[0].category;
  d.visibility = auth::Visibility::private_;
  d.file_name = d.name + ".tif";
  // What the quota admitted, until the written image's size replaces it: composites asked for one
  // after another each count the ones still being written.
  d.file_size = static_cast<std::int64_t>(std::uint64_t{width} * height * 3);
  d.format = "tiff";
  d.width = width;
  d.height = height;
  d.bands = 3;
  d.bit_depth = 8;
  d.sample_format = "uchar";
  d.stretch = boost::json::serialize(boost::json::object{{"composite", std::move(composite)}});
  d.next_version = 1;
  d.source_key = "sources/" + d.id + "/source";
  d.created_at = d.updated_at = now_unix_ms();
  if (settings_.retention_hours > 0)
    d.expires_at = d.created_at + static_cast<std::int64_t>(settings_.retention_hours * 3600 * 1000);
  auto tx = db::Transaction::begin(**conn, true);
  if (!tx) return tx.error();
  if (auto s = store::insert(**conn, d); !s) return s.error();
  if (auto j = jobs::JobQueue::enqueue(**conn, {.kind = std::string(kBuildCompositeJob),
                                                .subject = d.id,
                                                .payload = "{}",
                                                .max_attempts = settings_.job_max_attempts,
                                                .fairness_key = d.owner_id});
      !j) {
    return j.error();
  }
  if (auto s = tx->commit(); !s) return s.error();
  if (job_enqueued_) job_enqueued_();
  return d;
}

}  // namespace astropixel::datasets
