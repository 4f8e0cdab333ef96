#include "datasets/build_pyramid_job.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "core/error_catalogue.hpp"
#include "core/log.hpp"
#include "core/process_stats.hpp"
#include "datasets/blob_copy.hpp"
#include "datasets/build_hips_job.hpp"
#include "datasets/build_leftovers.hpp"
#include "datasets/build_process.hpp"
#include "datasets/composite_job.hpp"
#include "datasets/snapshot_upload.hpp"
#include "datasets/stretch_request.hpp"
#include "pyramid/hips_layout.hpp"
#include "pyramid/pack.hpp"
#include "pyramid/source.hpp"

namespace astropixel::datasets {
namespace {

std::string human_bytes(std::uint64_t b) {
  if (b >= (1ull << 30)) return fmt::format("{:.1f} GiB", static_cast<double>(b) / (1ull << 30));
  if (b >= (1ull << 20)) return fmt::format("{:.1f} MiB", static_cast<double>(b) / (1ull << 20));
  return fmt::format("{} bytes", b);
}

std::uint64_t rss() {
  return resident_memory_bytes().value_or(0);
}

struct Payload {
  int version = 1;
  std::string stretch;
};

Result<Payload> parse_payload(std::string const& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return make_error(ErrorCode::unprocessable, "Malformed job payload");
  Payload p;
  auto const& o = v.as_object();
  if (auto const* ver = o.if_contains("version"); ver && ver->is_int64())
    p.version = static_cast<int>(ver->as_int64());
  if (auto const* s = o.if_contains("stretch"); s && s->is_string()) p.stretch = std::string(s->as_string());
  return p;
}

// What the dataset shows of a FITS source: the HDU list (at most 100 entries; "hdu_count" has them
// all), the HDU and plane shown, the plane count and the keywords. The headers stay in the pack
// (GET /api/datasets/{id}/fits-header): they can be megabytes, and dataset lists carry this.
boost::json::value fits_summary(std::string const& fits_json) {
  if (fits_json.empty()) return nullptr;
  boost::system::error_code ec;
  auto v = boost::json::parse(fits_json, ec);
  if (ec || !v.is_object()) return nullptr;
  auto& o = v.as_object();
  o.erase("primary_header");
  o.erase("image_header");
  if (auto* hdus = o.if_contains("hdus"); hdus && hdus->is_array()) {
    o["hdu_count"] = static_cast<std::int64_t>(hdus->as_array().size());
    if (hdus->as_array().size() > 100) hdus->as_array().resize(100);
  }
  return v;
}

class Build {
 public:
  Build(storage::BlobStore& blobs, BuildSettings const& settings, jobs::JobContext& ctx)
      : blobs_(blobs), settings_(settings), ctx_(ctx), db_(ctx.db()) {}

  Status run() {
    auto payload = parse_payload(ctx_.job().payload);
    if (!payload) return payload.error();
    auto found = store::get(db_, ctx_.job().subject);
    if (!found && found.error().code != ErrorCode::not_found) return found.error();
    // What an earlier attempt of this version left when it died (build_leftovers.hpp), also when
    // this run goes no further (deleted, superseded, cancelled): nothing else would remove it.
    remove_build_leftovers(blobs_, settings_.scratch, ctx_.job().subject, payload->version,
                           found ? found->pyramid_key : std::string());
    // Deleted before its build ran: nothing to do.
    if (!found) return {};
    Dataset& d = *found;
    if (d.next_version > payload->version) return {};  // superseded by a newer reprocess
    auto stretch = parse_stretch_request(payload->stretch);
    if (!stretch) return stretch.error();

    auto started = store::start_processing(db_, d.id);
    if (!started) return started.error();
    // Failed since it was queued or claimed: cancelled by an administrator. Ending the job as
    // cancelled leaves the dataset as the cancel left it (failed, "cancelled"), not processing.
    if (!*started) return make_error(ErrorCode::cancelled, "Cancelled", "the dataset's build was cancelled");
    auto& blobs = blobs_;
    if (auto s = check_disk(d); !s) return s;
    remove_leftovers(d);
    // Decoders need a file: a source in an object store is copied to scratch space first (counted
    // by the disk check: the copy plus the pack stay within 2 × the input) and removed afterwards.
    // Scratch names carry the version, like the pack's key: a sweep of this version's leftovers
    // never touches a newer version's build.
    auto scratch_name = build_scratch_stem(d.id, payload->version) + ctx_.job().lease_token.substr(0, 8);
    auto input = blobs.local_path(d.source_key);
    struct RemoveOnExit {
      std::filesystem::path path;
      ~RemoveOnExit() {
        std::error_code ec;
        if (!path.empty()) std::filesystem::remove(path, ec);
      }
    } copy;
    if (!input) {
      copy.path = settings_.scratch / (scratch_name + ".source");
      if (auto s = copy_blob_to_file(blobs, d.source_key, copy.path, ctx_.cancel()); !s) return s;
      input = copy.path;
    }

    // A per-attempt name: two workers that both believe they hold the job never write one file.
    std::string key = fmt::format("pyramids/{}/{}{}.pack", d.id, build_blob_stem(payload->version),
                                  ctx_.job().lease_token.substr(0, 8));
    auto target = blobs.local_path(key);
    bool remote = !target;
    if (remote) target = settings_.scratch / (scratch_name + ".pack");
    std::error_code ec;
    std::filesystem::create_directories(target->parent_path(), ec);

    auto before = rss();
    if (settings_.memory) settings_.memory->before = before;
    log::info("job_memory", {{"job", ctx_.job().id}, {"phase", "before_tiling"}, {"rss_bytes", before}});

    ChildBuild child{
        .input = *input, .output = *target, .scratch = settings_.scratch, .options = settings_.options};
    child.options.stretch = *stretch;
    auto fits = parse_fits_request(payload->stretch);
    if (!fits) return fits.error();
    child.options.fits = *fits;
    child.memory_limit_bytes = settings_.memory_limit_bytes;
    child.strip_delay_ms = settings_.strip_delay_ms ? settings_.strip_delay_ms() : 0;
    if (settings_.crash && settings_.crash()) child.fault = "crash";
    if (settings_.fault) {
      if (auto f = settings_.fault(); !f.empty()) child.fault = f;
    }
    if (settings_.timeout_base.count() > 0) {
      auto megapixels = static_cast<std::int64_t>(
          (static_cast<std::uint64_t>(d.width) * static_cast<std::uint64_t>(d.height) + 999'999) / 1'000'000);
      child.deadline = settings_.timeout_base + std::chrono::duration_cast<std::chrono::seconds>(
                                                    settings_.timeout_per_megapixel * megapixels);
      unsigned threads = settings_.options.threads ? settings_.options.threads
                                                   : std::max(1u, std::thread::hardware_concurrency());
      child.cpu_seconds = static_cast<std::uint64_t>(child.deadline.count()) * (threads + 1);
    }
    auto last = std::chrono::steady_clock::now();
    Status progress_error;
    auto progress = [&](pyramid::Progress const& p) {
      auto now = std::chrono::steady_clock::now();
      if (now - last < std::chrono::seconds(1)) return;
      last = now;
      // 1-99 while tiling; 100 only when published.
      int pct = 1 + static_cast<int>(p.fraction() * 98);
      if (auto s = store::set_progress(db_, d.id, pct); !s) progress_error = s;
    };
    // The decoders run in a child process (build_process.hpp); a pack it left half-written on a
    // crash or a cancel is removed here.
    std::uint64_t peak = 0;
    // A pyramid can be viewed while it builds (ADR 0034): the child keeps a snapshot beside its
    // pack, and each one is announced on the dataset's row, fenced by the lease, for every
    // instance's tile directory. A pack written in place (a local store) is read where it grows;
    // one in scratch space goes to the object store piece by piece (snapshot_upload.hpp).
    child.live = target->string() + ".live";
    SnapshotUpload pieces(blobs, key, child.live);
    bool announced = true;  // false once the lease is lost: nothing more is put or announced
    auto checkpoint = [&](int number, std::vector<std::uint32_t> const& tile_rows, bool preview) {
      if (!announced) return;
      boost::json::object building{{"version", payload->version},
                                   {"checkpoint", number},
                                   {"tile_rows", boost::json::array(tile_rows.begin(), tile_rows.end())},
                                   {"preview", preview}};
      if (remote) {
        auto put = pieces.put_next();
        if (!put || !*put) {
          if (!put) log::warn("build_snapshot_not_put", {{"dataset", d.id}, {"detail", put.error().detail}});
          return;
        }
        building["key"] = key;
        building["segments"] = boost::json::array(pieces.ends().begin(), pieces.ends().end());
      } else {
        building["key"] = key + ".live";
      }
      if (auto s = store::set_building(db_, d.id, payload->version, boost::json::serialize(building),
                                       ctx_.job().id, ctx_.job().lease_token);
          !s) {
        log::warn("build_snapshot_not_announced", {{"dataset", d.id}, {"detail", s.error().message}});
        if (s.error().code == ErrorCode::conflict) announced = false;
      }
    };
    auto built = build_in_child(child, progress, ctx_.cancel(), &peak, checkpoint);
    auto remove_snapshot = [&] {
      std::filesystem::remove(child.live, ec);
      std::filesystem::remove(child.live.string() + ".tmp", ec);
      pieces.remove_all();
    };
    if (!built) {
      std::filesystem::remove(*target, ec);
      remove_snapshot();
      // A child killed (a cancel, a timeout) or crashed left its `.tmp-` pack; a piece whose put
      // failed half-way is not among those SnapshotUpload knows. The child has ended: nothing of
      // this attempt is written any more.
      remove_build_leftovers(blobs, settings_.scratch, d.id, payload->version, d.pyramid_key,
                             ctx_.job().lease_token.substr(0, 8));
    }
    if (settings_.memory) settings_.memory->build_peak = peak;
    log::info("job_memory", {{"job", ctx_.job().id}, {"phase", "build_process_peak"}, {"rss_bytes", peak}});
    auto after = rss();
    if (settings_.memory) settings_.memory->after_tiling = after;
    log::info("job_memory", {{"job", ctx_.job().id}, {"phase", "after_tiling"}, {"rss_bytes", after}});
    pyramid::release_caches();
    auto cleaned = rss();
    if (settings_.memory) settings_.memory->after_cleanup = cleaned;
    log::info("job_memory", {{"job", ctx_.job().id}, {"phase", "after_cleanup"}, {"rss_bytes", cleaned}});
    if (!built) return built.error();

    if (remote) {
      if (auto s = blobs.adopt(key, *target); !s) {
        std::filesystem::remove(*target, ec);
        remove_snapshot();
        return s;
      }
    }
    // A local snapshot goes first: a reader that opens it now finds the finished pack in its place
    // (PackReader::open_live), and once published nothing is left beside it. Pieces in an object
    // store go after the publish: until then they are what readers have; a reader whose piece is
    // gone then turns to the published pack (TileService::tile).
    if (!remote) remove_snapshot();
    auto published = publish(d, payload->version, key, *built, payload->stretch);
    if (remote) remove_snapshot();
    if (!published) {
      (void)blobs.remove(key);
      if (published.error().code == ErrorCode::not_found) return {};  // deleted while building
      if (published.error().code == ErrorCode::conflict) {
        return make_error(ErrorCode::cancelled, "Superseded", published.error().detail);
      }
      return published.error();
    }
    // The HiPS of earlier versions (their URLs name their version; nothing links to them any more).
    if (auto all = blobs.list("hips/" + d.id + "/"); all) {
      for (auto const& b : *all)
        if (!b.key.starts_with(pyramid::hips::blob_prefix(d.id, payload->version))) (void)blobs.remove(b.key);
    }
    if (!published->empty() && *published != key) {
      if (auto s = blobs.remove(*published); !s) {
        log::warn("old_pyramid_left", {{"dataset", d.id}, {"key", *published}, {"detail", s.error().detail}});
      }
    }
    log::info("pyramid_published", {{"dataset", d.id},
                                    {"version", payload->version},
                                    {"tiles", built->tiles},
                                    {"bytes", built->bytes},
                                    {"seconds", built->seconds},
                                    {"width", built->width},
                                    {"height", built->height}});
    return {};
  }

 private:
  // Packs of earlier attempts that died (kill -9, power loss) without cleaning up; the published
  // one stays. Only one build per dataset holds the lease, so nothing live is removed.
  void remove_leftovers(Dataset const& d) {
    auto& blobs = blobs_;
    auto all = blobs.list("pyramids/" + d.id + "/");
    if (!all) return;
    for (auto const& b : *all) {
      if (b.key == d.pyramid_key) continue;
      if (blobs.remove(b.key)) log::info("pyramid_leftover_removed", {{"dataset", d.id}, {"key", b.key}});
    }
  }

  Status check_disk(Dataset const& d) {
    auto free = settings_.free_bytes ? settings_.free_bytes() : blobs_.free_bytes();
    if (!free) return free.error();
    std::uint64_t input = static_cast<std::uint64_t>(d.file_size);
    std::uint64_t temp = decode_temp_bytes(d);
    std::uint64_t need = 2 * input + temp + settings_.reserve_bytes;
    if (*free >= need) return {};
    Error e = make_error(ErrorCode::insufficient_storage, "Not enough disk space to build the pyramid",
                         fmt::format("needs {} (2 × the {} input + {} decode space + {} reserve), {} free",
                                     human_bytes(need), human_bytes(input), human_bytes(temp),
                                     human_bytes(settings_.reserve_bytes), human_bytes(*free)));
    e.reason = errc::insufficient_disk_space.code;
    return e;
  }

  // Returns the key of the replaced pack.
  Result<std::string> publish(Dataset const& d, int version, std::string const& key,
                              pyramid::BuildResult const& r, std::string const& request) {
    boost::json::object info{
        {"levels", r.levels},
        {"tile_size", settings_.options.tile_size},
        {"tile_format", std::string(pyramid::extension(settings_.options.format))},
        {"tiles", r.tiles},
        {"bytes", r.bytes},
        {"seconds", r.seconds},
        {"display_bands", r.source.display_bands},
        {"stretch", r.source.stretch_json.empty() ? boost::json::value(nullptr)
                                                  : boost::json::parse(r.source.stretch_json)},
        {"georeference", r.source.georeference_json.empty() ? boost::json::value(nullptr)
                                                            : boost::json::parse(r.source.georeference_json)},
        {"wcs",
         r.source.wcs_json.empty() ? boost::json::value(nullptr) : boost::json::parse(r.source.wcs_json)},
        {"fits", fits_summary(r.source.fits_json)}};
    add_composite_info(request, info);
    std::string sky_object;
    if (auto const* f = info["fits"].if_object())
      if (auto const* k = f->if_contains("keywords"); k && k->is_object())
        if (auto const* o = k->as_object().if_contains("OBJECT"); o && o->is_string())
          sky_object = o->as_string();
    auto tx = db::Transaction::begin(db_, true);
    if (!tx) return tx.error();
    if (auto s = ctx_.succeed(); !s) return s.error();
    // A FITS HDU other than the one probed at upload has its own size and BITPIX.
    if (auto const* f = info["fits"].if_object()) {
      auto const* bitpix = f->if_contains("bitpix");
      int const bp = bitpix && bitpix->is_int64() ? static_cast<int>(bitpix->as_int64()) : 0;
      auto const format = pyramid::sample_format_of_bitpix(bp);
      if (auto s = store::set_shape(db_, d.id, r.width, r.height, bp ? std::abs(bp) : d.bit_depth,
                                    format.empty() ? d.sample_format : std::string(format));
          !s)
        return s.error();
    }
    auto old = store::publish(db_, d.id, version, key, boost::json::serialize(info), sky_object);
    if (!old) return old.error();
    // A sky image gets its HiPS built next, queued in the transaction that publishes the version.
    if (hips_possible(boost::json::serialize(info))) {
      if (auto q = jobs::JobQueue::enqueue(
              db_, {.kind = std::string(kBuildHipsJob),
                    .subject = d.id,
                    .payload = boost::json::serialize(boost::json::object{{"version", version}}),
                    .max_attempts = 2,
                    .fairness_key = d.owner_id});
          !q)
        return q.error();
    }
    if (auto s = tx->commit(); !s) return s.error();
    return old;
  }

  storage::BlobStore& blobs_;
  BuildSettings const& settings_;
  jobs::JobContext& ctx_;
  db::Connection& db_;
};

}  // namespace

std::uint64_t decode_temp_bytes(Dataset const& d) {
  // JPEG 2000 is decoded whole by libvips before it can be read top to bottom.
  if (d.format == "jp2k") {
    return static_cast<std::uint64_t>(d.width) * static_cast<std::uint64_t>(d.height) *
           static_cast<std::uint64_t>(std::max(1, d.bands)) *
           static_cast<std::uint64_t>(std::max(8, d.bit_depth) / 8);
  }
  return 0;
}

jobs::JobHandler build_pyramid_handler(storage::BlobStore& blobs, BuildSettings settings) {
  auto shared = std::make_shared<BuildSettings>(std::move(settings));
  return {
      [&blobs, shared](jobs::JobContext& ctx) -> Status { return Build(blobs, *shared, ctx).run(); },
      [&blobs, shared](db::Connection& db, jobs::Job const& job, Error const& e) {
        // A job given up after attempts that all died ran no run() to sweep what they left.
        if (auto payload = parse_payload(job.payload); payload) {
          auto d = store::get(db, job.subject);
          remove_build_leftovers(blobs, shared->scratch, job.subject, payload->version,
                                 d ? d->pyramid_key : std::string());
        }
        // A decoder's own words (they can hold server paths) go to the log; the dataset shows the
        // sentence of the error's code. Details of our own making (disk space) stay.
        bool const decoder = pyramid::detail_is_decoder_text(e);
        if (decoder)
          log::warn(
              "build_refused_image",
              {{"dataset", job.subject}, {"code", std::string(e.machine_code())}, {"decoder", e.detail}});
        std::string reason = e.message + (e.detail.empty() || decoder ? "" : ": " + e.detail);
        if (auto s = store::set_failed(db, job.subject, std::string(e.machine_code()), reason); !s) {
          log::error("dataset_fail_not_recorded", {{"dataset", job.subject}, {"detail", s.error().detail}});
        }
      },
  };
}

}  // namespace astropixel::datasets
