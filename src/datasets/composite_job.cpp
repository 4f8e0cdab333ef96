#include "datasets/composite_job.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>

#include "core/clock.hpp"
#include "core/error_catalogue.hpp"
#include "core/log.hpp"
#include "datasets/dataset_service.hpp"
#include "datasets/dataset_store.hpp"
#include "jobs/job_queue.hpp"
#include "pyramid/composite.hpp"

namespace astropixel::datasets {
namespace {

Error changed(std::string message) {
  return make_error(errc::composite_source_changed, std::move(message), "make the composite again");
}

// The recipe's channels, as create_composite stored them. Errors: unprocessable (a damaged row).
Result<boost::json::array> recipe_of(Dataset const& d) {
  boost::system::error_code ec;
  auto v = boost::json::parse(d.stretch, ec);
  auto const* c = !ec && v.is_object() ? v.as_object().if_contains("composite") : nullptr;
  auto const* ch = c && c->is_object() ? c->as_object().if_contains("channels") : nullptr;
  if (!ch || !ch->is_array() || ch->as_array().size() != 3)
    return make_error(ErrorCode::unprocessable, "This dataset holds no composite recipe");
  return ch->as_array();
}

class CompositeBuild {
 public:
  CompositeBuild(storage::BlobStore& blobs, CompositeSettings const& settings, jobs::JobContext& ctx)
      : blobs_(blobs), settings_(settings), ctx_(ctx), db_(ctx.db()) {}

  Status run() {
    auto found = store::get(db_, ctx_.job().subject);
    if (!found) {
      if (found.error().code == ErrorCode::not_found) return {};  // deleted before it ran
      return found.error();
    }
    Dataset const& d = *found;
    auto recipe = recipe_of(d);
    if (!recipe) return recipe.error();
    auto starting = store::start_processing(db_, d.id);
    if (!starting) return starting.error();
    if (!*starting)
      return make_error(ErrorCode::cancelled, "Cancelled", "the composite's build was cancelled");

    // The channels as they were when the composite was asked for: a rebuilt or deleted one fails
    // the composite rather than silently mixing in other data.
    std::array<std::unique_ptr<pyramid::PackReader>, 3> packs;
    std::array<pyramid::CompositeChannel, 3> channels;
    for (std::size_t i = 0; i < 3; ++i) {
      auto const& c = (*recipe)[i].as_object();
      auto const band = kCompositeBands[i];
      auto id = std::string(c.at("dataset_id").as_string());
      auto source = store::get(db_, id);
      if (!source) {
        if (source.error().code == ErrorCode::not_found)
          return changed(fmt::format("The {} channel's dataset was deleted", band));
        return source.error();
      }
      auto const version = c.at("version").to_number<std::int64_t>();
      if (source->pyramid_version != version)
        return changed(fmt::format("The {} channel ({}) was rebuilt: version {} is gone, {} is published",
                                   band, source->name, version, source->pyramid_version));
      auto pack = open_stored_pack(blobs_, source->pyramid_key);
      if (!pack) return pack.error();
      auto kind = pyramid::parse_stretch(c.at("stretch").as_string());
      if (!kind) return kind.error();
      auto stretch = pyramid::channel_stretch(**pack, *kind, c.at("lo").to_number<double>(),
                                              c.at("hi").to_number<double>());
      if (!stretch) return stretch.error();
      channels[i] = {pack->get(), std::move(*stretch), c.at("weight").to_number<double>()};
      packs[i] = std::move(*pack);
    }
    if (auto s = check_disk(d); !s) return s;

    auto const lease8 = ctx_.job().lease_token.substr(0, 8);
    auto const file = settings_.scratch / fmt::format("{}-{}.composite.tif", d.id, lease8);
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    struct RemoveOnExit {
      std::filesystem::path path;
      ~RemoveOnExit() {
        std::error_code e;
        std::filesystem::remove(path, e);
      }
    } cleanup{file};
    auto last = std::chrono::steady_clock::now();
    auto progress = [&](double fraction) {
      auto now = std::chrono::steady_clock::now();
      if (now - last >= std::chrono::seconds(1)) {
        last = now;
        (void)store::set_progress(db_, d.id, 1 + static_cast<int>(fraction * 98));
      }
      return !ctx_.cancel().load();
    };
    auto const started = std::chrono::steady_clock::now();
    if (auto s = pyramid::write_composite_tiff(channels, file, progress); !s) return s;
    auto const size = std::filesystem::file_size(file, ec);
    if (ec) return make_error(ErrorCode::internal, "The composite could not be written", ec.message());
    // Stored under a key of this run's own, made the dataset's source only by the fenced hand-over
    // below: a worker whose lease was lost meanwhile must not overwrite (or, failing, remove) the
    // source the lease's new holder has handed over and its build is reading.
    auto const key = fmt::format("sources/{}/composite-{}", d.id, lease8);
    if (auto s = blobs_.adopt(key, file); !s) return s;

    // The image is the dataset's source now; the usual build makes its pyramid. Handing over is
    // fenced by this job's lease: a stale worker enqueues nothing.
    auto handed = hand_over(d, key, static_cast<std::int64_t>(size));
    if (!handed) {
      (void)blobs_.remove(key);
      if (handed.error().code == ErrorCode::not_found) return {};  // deleted meanwhile
      return handed.error();
    }
    if (settings_.job_enqueued) settings_.job_enqueued();
    log::info(
        "composite_written",
        {{"dataset", d.id},
         {"bytes", static_cast<std::int64_t>(size)},
         {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}});
    return {};
  }

 private:
  // The uncompressed image must fit above the reserve (deflate usually makes it smaller); the
  // pyramid build checks its own space when it starts.
  Status check_disk(Dataset const& d) {
    if (!settings_.free_bytes) return {};
    auto free = settings_.free_bytes();
    if (!free) return free.error();
    auto const need = static_cast<std::uint64_t>(d.width) * static_cast<std::uint64_t>(d.height) * 3 +
                      settings_.reserve_bytes;
    if (*free >= need) return {};
    return make_error(errc::insufficient_disk_space, "Not enough disk space to write the composite",
                      fmt::format("needs {} bytes, {} free", need, *free));
  }

  Status hand_over(Dataset const& d, std::string const& key, std::int64_t size) {
    auto tx = db::Transaction::begin(db_, true);
    if (!tx) return tx.error();
    auto r = db_.query("UPDATE datasets SET source_key = $1, file_size = $2, updated_at = $3 WHERE id = $4",
                       {key, size, now_unix_ms(), d.id});
    if (!r) return r.error();
    if (r->affected == 0) return make_error(ErrorCode::not_found, "Dataset not found");
    boost::json::object payload{{"version", d.next_version}, {"stretch", d.stretch}};
    if (auto j = jobs::JobQueue::enqueue(db_, {.kind = std::string(kBuildPyramidJob),
                                               .subject = d.id,
                                               .payload = boost::json::serialize(payload),
                                               .max_attempts = settings_.job_max_attempts,
                                               .fairness_key = d.owner_id});
        !j) {
      return j.error();
    }
    // Last before the commit: the job counts as succeeded only when everything it publishes is in the
    // same transaction (a rolled-back hand-over must not leave the worker believing it succeeded).
    if (auto s = ctx_.succeed(); !s) return s;
    return tx->commit();
  }

  storage::BlobStore& blobs_;
  CompositeSettings const& settings_;
  jobs::JobContext& ctx_;
  db::Connection& db_;
};

}  // namespace

Result<std::unique_ptr<pyramid::PackReader>> open_stored_pack(storage::BlobStore& blobs,
                                                              std::string const& key) {
  if (auto path = blobs.local_path(key)) return pyramid::PackReader::open(*path);
  auto info = blobs.stat(key);
  if (!info) return info.error();
  auto* store = &blobs;
  auto read = [store, key](void* buf, std::size_t n, std::uint64_t offset) {
    auto* out = static_cast<char*>(buf);
    while (n > 0) {
      auto got = store->read(key, offset, std::span<char>(out, n));
      if (!got || *got == 0) return false;
      out += *got;
      offset += *got;
      n -= *got;
    }
    return true;
  };
  return pyramid::PackReader::open_remote(read, info->size);
}

void add_composite_info(std::string_view stretch_request, boost::json::object& info) {
  if (stretch_request.empty()) return;
  boost::system::error_code ec;
  auto v = boost::json::parse(stretch_request, ec);
  auto const* c = !ec && v.is_object() ? v.as_object().if_contains("composite") : nullptr;
  if (!c || !c->is_object()) return;
  auto recipe = c->as_object();
  if (auto const* w = recipe.if_contains("wcs"); w && w->is_object()) {
    if (auto const* own = info.if_contains("wcs"); !own || own->is_null()) info["wcs"] = *w;
  }
  recipe.erase("wcs");
  info["composite"] = std::move(recipe);
}

jobs::JobHandler build_composite_handler(storage::BlobStore& blobs, CompositeSettings settings) {
  auto shared = std::make_shared<CompositeSettings>(std::move(settings));
  return {
      [&blobs, shared](jobs::JobContext& ctx) -> Status { return CompositeBuild(blobs, *shared, ctx).run(); },
      [](db::Connection& db, jobs::Job const& job, Error const& e) {
        std::string reason = e.message + (e.detail.empty() ? "" : ": " + e.detail);
        if (auto s = store::set_failed(db, job.subject, std::string(e.machine_code()), reason); !s)
          log::error("dataset_fail_not_recorded", {{"dataset", job.subject}, {"detail", s.error().detail}});
      },
  };
}

}  // namespace astropixel::datasets
