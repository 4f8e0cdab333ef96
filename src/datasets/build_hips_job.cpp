#include "datasets/build_hips_job.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <vector>

#include "core/log.hpp"
#include "datasets/blob_copy.hpp"
#include "datasets/dataset_store.hpp"
#include "datasets/hips_process.hpp"
#include "db/connection.hpp"
#include "pyramid/hips_layout.hpp"

namespace astropixel::datasets {
namespace {

// A composite's WCS (its red channel's, ADR 0029), which its pack does not hold: the one its pyramid
// info records. Empty for other images, whose pack keeps their FITS header.
std::string composite_wcs(std::string_view pyramid_info_json) {
  boost::system::error_code ec;
  auto v = boost::json::parse(pyramid_info_json, ec);
  if (ec || !v.is_object() || !v.as_object().contains("composite")) return {};
  auto const* wcs = v.as_object().if_contains("wcs");
  return wcs && wcs->is_object() ? boost::json::serialize(*wcs) : std::string();
}

struct RemoveOnExit {
  std::filesystem::path path;
  ~RemoveOnExit() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

// The pyramid info with "hips" set, for the version still published. Errors: not_found when the
// dataset is gone or publishes another version now (the HiPS is then of no use).
Status record(db::Connection& db, std::string const& id, int version, boost::json::object hips) {
  auto r = db.query("SELECT pyramid_info FROM datasets WHERE id = $1 AND pyramid_version = $2",
                    {id, std::int64_t{version}});
  if (!r) return r.error();
  if (r->empty()) return make_error(ErrorCode::not_found, "Superseded");
  boost::system::error_code ec;
  auto info = boost::json::parse(r->text(0, 0), ec);
  if (ec || !info.is_object()) info = boost::json::object{};
  info.as_object()["hips"] = std::move(hips);
  auto u = db.query("UPDATE datasets SET pyramid_info = $1 WHERE id = $2 AND pyramid_version = $3",
                    {boost::json::serialize(info), id, std::int64_t{version}});
  if (!u) return u.error();
  if (u->affected == 0) return make_error(ErrorCode::not_found, "Superseded");
  return {};
}

class HipsBuild {
 public:
  HipsBuild(storage::BlobStore& blobs, HipsSettings const& settings, jobs::JobContext& ctx)
      : blobs_(blobs), settings_(settings), ctx_(ctx), db_(ctx.db()) {}

  Status run() {
    boost::system::error_code ec;
    auto payload = boost::json::parse(ctx_.job().payload, ec);
    if (ec || !payload.is_object() || !payload.as_object().contains("version"))
      return make_error(ErrorCode::unprocessable, "Malformed job payload");
    int const version = static_cast<int>(payload.as_object().at("version").to_number<std::int64_t>());
    auto d = store::get(db_, ctx_.job().subject);
    if (!d) return d.error().code == ErrorCode::not_found ? Status{} : Status(d.error());
    if (d->pyramid_version != version) return {};  // superseded: a newer build queues its own

    auto const lease8 = ctx_.job().lease_token.substr(0, 8);
    auto const work = settings_.scratch / fmt::format("hips-{}-{}", d->id, lease8);
    RemoveOnExit cleanup{work};
    std::filesystem::remove_all(work, ec_);
    std::filesystem::create_directories(work / "out", ec_);
    auto pack = blobs_.local_path(d->pyramid_key);
    if (!pack) {
      pack = work / "pyramid.pack";
      if (auto s = copy_blob_to_file(blobs_, d->pyramid_key, *pack, ctx_.cancel()); !s) return s;
    }

    ChildHips child{.pack = *pack,
                    .output = work / "out",
                    .title = d->name,
                    .creator_did = "ivo://astropixel/" + d->id,
                    .wcs_json = composite_wcs(d->pyramid_info),
                    .threads = settings_.threads,
                    .memory_limit_bytes = settings_.memory_limit_bytes,
                    .deadline = deadline(*d)};
    auto built = build_hips_in_child(child, {}, ctx_.cancel());
    if (!built) {
      if (built.error().code == ErrorCode::cancelled) return built.error();
      // The image cannot be a HiPS (or its build broke): recorded, and the job is done.
      log::warn(
          "hips_failed",
          {{"dataset", d->id}, {"code", built.error().machine_code()}, {"detail", built.error().detail}});
      auto s = finish(
          d->id, version,
          {{"status", "failed"}, {"code", built.error().machine_code()}, {"message", built.error().message}});
      return s || s.error().code == ErrorCode::not_found ? Status{} : s;
    }

    // Every file under the version's prefix, `properties` last: a client that finds it finds the rest.
    auto const prefix = pyramid::hips::blob_prefix(d->id, version);
    std::vector<std::filesystem::path> files;
    for (auto const& e : std::filesystem::recursive_directory_iterator(work / "out"))
      if (e.is_regular_file()) files.push_back(e.path());
    std::stable_partition(files.begin(), files.end(),
                          [](auto const& p) { return p.filename() != "properties"; });
    for (auto const& f : files) {
      if (ctx_.cancel().load()) return discard(prefix, make_error(ErrorCode::cancelled, "Cancelled"));
      if (auto s = blobs_.adopt(
              prefix + pyramid::hips::blob_name(std::filesystem::relative(f, work / "out").generic_string()),
              f);
          !s)
        return discard(prefix, s.error());
    }
    auto done = finish(
        d->id, version,
        {{"status", "ready"}, {"order", built->order}, {"frame", built->frame}, {"tiles", built->tiles}});
    if (!done) return discard(prefix, done.error());
    log::info("hips_published",
              {{"dataset", d->id}, {"version", version}, {"order", built->order}, {"tiles", built->tiles}});
    return {};
  }

 private:
  // As a pyramid build's (BUILD_TIMEOUT_*), twice over: a HiPS samples every pixel about twice.
  std::chrono::seconds deadline(Dataset const& d) const {
    if (settings_.timeout_base.count() <= 0) return std::chrono::seconds(0);
    auto const megapixels =
        (static_cast<std::uint64_t>(d.width) * static_cast<std::uint64_t>(d.height) + 999'999) / 1'000'000;
    return 2 * (settings_.timeout_base +
                std::chrono::duration_cast<std::chrono::seconds>(settings_.timeout_per_megapixel *
                                                                 static_cast<std::int64_t>(megapixels)));
  }

  // Records the outcome and marks the job succeeded in one transaction, fenced by the lease. A
  // dataset deleted or rebuilt meanwhile makes the job succeed with nothing recorded.
  Status finish(std::string const& id, int version, boost::json::object hips) {
    auto tx = db::Transaction::begin(db_, true);
    if (!tx) return tx.error();
    auto s = record(db_, id, version, std::move(hips));
    if (!s && s.error().code != ErrorCode::not_found) return s;
    bool const superseded = !s;
    if (auto ok = ctx_.succeed(); !ok) return ok;
    if (auto c = tx->commit(); !c) return c;
    if (superseded) return make_error(ErrorCode::not_found, "Superseded");
    return {};
  }

  Status discard(std::string const& prefix, Error const& why) {
    if (auto all = blobs_.list(prefix); all)
      for (auto const& b : *all) (void)blobs_.remove(b.key);
    if (why.code == ErrorCode::not_found) return {};  // superseded: succeeded already, nothing to keep
    return why;
  }

  storage::BlobStore& blobs_;
  HipsSettings const& settings_;
  jobs::JobContext& ctx_;
  db::Connection& db_;
  std::error_code ec_;
};

}  // namespace

jobs::JobHandler build_hips_handler(storage::BlobStore& blobs, HipsSettings settings) {
  return {.run = [&blobs, settings = std::move(settings)](jobs::JobContext& ctx) -> Status {
            return HipsBuild(blobs, settings, ctx).run();
          },
          .failed = {}};
}

bool hips_possible(std::string_view pyramid_info_json) {
  boost::system::error_code ec;
  auto v = boost::json::parse(pyramid_info_json, ec);
  if (ec || !v.is_object()) return false;
  auto const& o = v.as_object();
  auto const* bands = o.if_contains("display_bands");
  auto const* wcs = o.if_contains("wcs");
  // One band: a data pyramid's values. Three: an 8-bit colour image (a composite), whose HiPS is in
  // colour.
  if (!bands || !bands->is_int64() || !wcs || !wcs->is_object()) return false;
  if (auto const n = bands->as_int64(); n != 1 && !(n == 3 && o.contains("composite"))) return false;
  auto const* system = wcs->as_object().if_contains("system");
  return system && system->is_string() &&
         (system->as_string() == "equatorial" || system->as_string() == "galactic");
}

}  // namespace astropixel::datasets
