#include "upload/upload_service.hpp"

#include <boost/json.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <tuple>

#include "core/clock.hpp"
#include "core/error_catalogue.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "datasets/probe_process.hpp"
#include "datasets/stretch_request.hpp"
#include "pyramid/source.hpp"
#include "upload/local_file_store.hpp"
#include "upload/object_part_store.hpp"

namespace astropixel::upload {

struct Appender::Slot {
  std::mutex mutex;  // generation, finishing, and the store's writes
  std::uint64_t generation = 0;
  bool finishing = false;
  // The upload's first bytes (up to pyramid::kSniffBytes) as they arrive, for the early format
  // check. In memory only: after a restart it stays short of the offset, and the check is left
  // to the probe of the whole file.
  std::string head;
};

Appender::~Appender() = default;

namespace {

Error not_found() {
  return make_error(ErrorCode::not_found, "Upload not found");
}

Error taken_over() {
  Error e = make_error(ErrorCode::conflict, "Another request took this upload over");
  e.reason = errc::upload_taken_over.code;
  return e;
}

std::string metadata_json(Metadata const& m) {
  boost::json::object o;
  for (auto const& [k, v] : m) o[k] = v;
  return boost::json::serialize(o);
}

Metadata metadata_from_json(std::string const& text) {
  Metadata m;
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return m;
  for (auto const& [k, val] : v.as_object()) {
    if (val.is_string()) m.emplace(std::string(k), std::string(val.as_string()));
  }
  return m;
}

std::string value_or(Metadata const& m, std::string const& key, std::string fallback) {
  auto it = m.find(key);
  return it == m.end() || it->second.empty() ? fallback : it->second;
}

// The file name as the user named it, reduced to its last component (never a path we would use:
// bytes are stored under the upload id).
std::string display_file_name(Metadata const& m) {
  auto name = value_or(m, "filename", "");
  if (auto slash = name.find_last_of("/\\"); slash != std::string::npos) name = name.substr(slash + 1);
  return name.substr(0, 255);
}

std::string default_name(Metadata const& m) {
  auto file = display_file_name(m);
  if (auto dot = file.rfind('.'); dot != std::string::npos && dot > 0) file = file.substr(0, dot);
  return file.empty() ? "Untitled" : file;
}

// What the dataset will be, from the metadata. Errors: validation.
Result<datasets::NewDataset> describe(Metadata const& m, std::string const& owner) {
  datasets::NewDataset d;
  d.owner_id = owner;
  d.name = value_or(m, "name", default_name(m));
  d.description = value_or(m, "description", "");
  d.category = value_or(m, "category", "other");
  d.file_name = display_file_name(m);
  auto vis = datasets::parse_visibility(value_or(m, "visibility", "private"));
  if (!vis) {
    Error e = make_error(ErrorCode::validation, "Visibility must be private or public");
    e.field = "visibility";
    return e;
  }
  d.visibility = *vis;
  if (auto s = datasets::validate_name(d.name); !s) return s.error();
  if (auto s = datasets::validate_description(d.description); !s) return s.error();
  if (auto s = datasets::validate_category(d.category); !s) return s.error();
  datasets::RequestChange request;
  if (auto kind = value_or(m, "stretch", ""); !kind.empty()) request.kind = kind;
  // The data values shown black and white, "LO,HI" (the stretch request checks LO < HI).
  if (auto text = value_or(m, "cuts", ""); !text.empty()) {
    double lo = 0, hi = 0;
    auto comma = text.find(',');
    auto number = [](std::string_view t, double& out) {
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
      return ec == std::errc() && end == t.data() + t.size();
    };
    if (comma == std::string::npos || !number(std::string_view(text).substr(0, comma), lo) ||
        !number(std::string_view(text).substr(comma + 1), hi)) {
      Error e = make_error(ErrorCode::validation, "cuts must be two numbers LO,HI");
      e.field = "cuts";
      return e;
    }
    request.cuts = std::pair(lo, hi);
  }
  // FITS: which HDU and plane to show (the first image and plane 0 unless named).
  for (auto [key, into, max] : {std::tuple("hdu", &request.hdu, datasets::kMaxHdu),
                                std::tuple("plane", &request.plane, datasets::kMaxPlane)}) {
    auto text = value_or(m, key, "");
    if (text.empty()) continue;
    int n = -1;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n < 0 || n > max) {
      Error e = make_error(ErrorCode::validation,
                           std::string(key) + " must be a whole number from 0 to " + std::to_string(max));
      e.field = key;
      return e;
    }
    *into = n;
  }
  auto req = datasets::change_request("", request);
  if (!req) return req.error();
  d.stretch = *req;
  return d;
}

}  // namespace

namespace {

std::unique_ptr<UploadStore> store_for(db::Pool& pool, Settings const& settings) {
  if (settings.objects && settings.objects->part_assembly())
    return std::make_unique<ObjectPartStore>(pool, *settings.objects, settings.dir);
  return std::make_unique<LocalFileStore>(settings.dir);
}

}  // namespace

UploadService::UploadService(db::Pool& pool, datasets::DatasetService& datasets, Settings settings)
    : UploadService(pool, datasets, settings, store_for(pool, settings)) {}

UploadService::UploadService(db::Pool& pool, datasets::DatasetService& datasets, Settings settings,
                             std::unique_ptr<UploadStore> store)
    : pool_(pool),
      datasets_(datasets),
      settings_(std::move(settings)),
      store_(std::move(store)),
      budget_(settings_.free_bytes, settings_.reserve_bytes, settings_.fs_slack_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(settings_.dir, ec);
}

UploadService::~UploadService() = default;

std::shared_ptr<Appender::Slot> UploadService::slot(std::string const& id) {
  std::lock_guard lock(slots_mutex_);
  auto& s = slots_[id];
  if (!s) s = std::make_shared<Appender::Slot>();
  return s;
}

void UploadService::drop_slot(std::string const& id) {
  std::lock_guard lock(slots_mutex_);
  slots_.erase(id);
}

bool UploadService::still_mine(Appender const& a) {
  std::lock_guard lock(a.slot_->mutex);
  return a.slot_->generation == a.generation_;
}

Result<Upload> UploadService::load(db::Connection& c, std::string const& id) {
  auto r = c.query(
      "SELECT id, owner_id, length, metadata, state, dataset_id, created_at, expires_at, staged_offset, "
      "staging FROM uploads WHERE id = $1",
      {id});
  if (!r) return r.error();
  if (r->empty()) return not_found();
  Upload u;
  u.id = r->text(0, 0);
  u.owner_id = r->text(0, 1);
  u.length = static_cast<std::uint64_t>(r->int64(0, 2));
  u.metadata = metadata_from_json(r->text(0, 3));
  u.state = r->text(0, 4);
  u.dataset_id = r->text(0, 5);
  u.created_at = r->int64(0, 6);
  u.expires_at = r->int64(0, 7);
  u.recorded_offset = static_cast<std::uint64_t>(r->int64(0, 8));
  u.store_record = r->text(0, 9);
  u.offset = u.state == "finished" ? u.length : store_->offset(u.id, u.recorded_offset);
  return u;
}

Result<Upload> UploadService::create(auth::Principal const& who, std::uint64_t length,
                                     std::string_view header) {
  // Admission, cheapest first; nothing is stored until every check has passed.
  if (length > settings_.max_upload_size) {
    Error e = make_error(ErrorCode::payload_too_large, "Upload too large",
                         "Upload-Length " + std::to_string(length) + " exceeds the maximum of " +
                             std::to_string(settings_.max_upload_size) + " bytes");
    e.reason = errc::upload_too_large.code;
    return e;
  }
  auto metadata = parse_upload_metadata(header);
  if (!metadata) return metadata.error();
  if (auto d = describe(*metadata, who.user_id); !d) return d.error();
  Upload u;
  u.id = random_id();
  // Room on this machine's disk for what the upload may still write here, counting every other
  // open upload's promise (507 insufficient_disk_space).
  if (auto s = budget_.claim(u.id, store_->local_bytes(length, 0)); !s) return s.error();
  u.owner_id = who.user_id;
  u.length = length;
  u.metadata = std::move(*metadata);
  u.state = "open";
  u.created_at = now_unix_ms();
  u.expires_at = u.created_at + settings_.expire_after.count();
  auto record = store_->create(u.id, length);
  if (!record) {
    budget_.release(u.id);
    return record.error();
  }
  u.store_record = *record;
  auto written = [&]() -> Status {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    auto r = (*conn)->query(
        "INSERT INTO uploads (id, owner_id, length, metadata, state, created_at, updated_at, expires_at, "
        "staging) VALUES ($1, $2, $3, $4, 'open', $5, $5, $6, $7)",
        {u.id, u.owner_id, static_cast<std::int64_t>(length), metadata_json(u.metadata), u.created_at,
         u.expires_at, u.store_record});
    if (!r) return r.error();
    return {};
  }();
  if (!written) {
    store_->discard(u.id, u.store_record);
    budget_.release(u.id);
    return written.error();
  }
  log::info("upload_created", {{"upload", u.id}, {"length", length}, {"user", who.user_id}});
  return u;
}

Result<Upload> UploadService::get(auth::Principal const& who, std::string const& id) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto u = load(**conn, id);
  if (!u) return u.error();
  // Someone else's upload answers exactly like a missing one (admins included: uploads are private
  // until they become datasets).
  if (u->owner_id != who.user_id) return not_found();
  if (u->state == "expired") return make_error(ErrorCode::gone, "Upload expired", "its bytes were deleted");
  return u;
}

namespace {

Error offset_mismatch(std::uint64_t current) {
  Error e = make_error(ErrorCode::conflict, "Upload-Offset does not match",
                       "the upload is at offset " + std::to_string(current));
  e.reason = errc::offset_mismatch.code;
  return e;
}

Error upload_complete() {
  Error e = make_error(ErrorCode::conflict, "Upload already complete");
  e.reason = errc::upload_complete.code;
  return e;
}

}  // namespace

Result<std::unique_ptr<Appender>> UploadService::begin_append(auth::Principal const& who,
                                                              std::string const& id, std::uint64_t offset,
                                                              std::unique_ptr<Checksum> checksum) {
  auto u = get(who, id);
  if (!u) return u.error();
  auto s = slot(id);
  auto current = [&] { return u->state == "finished" ? u->offset : store_->offset(id, u->recorded_offset); };
  {
    std::lock_guard lock(s->mutex);
    if (auto at = current(); offset != at) return offset_mismatch(at);
    if (u->state == "finished" || s->finishing) return upload_complete();
  }
  // Opened outside the lock (a store may read the network); it fails if the upload moved on.
  auto writer = store_->open(id, offset);
  if (!writer) return writer.error();
  auto a = std::unique_ptr<Appender>(new Appender());
  {
    std::lock_guard lock(s->mutex);
    if (s->finishing) return upload_complete();
    if (auto at = current(); offset != at) return offset_mismatch(at);
    // Taking over: from here on, the previous request's writes are refused.
    a->generation_ = ++s->generation;
  }
  a->slot_ = s;
  a->writer_ = std::move(*writer);
  a->checksum_ = std::move(checksum);
  a->id_ = id;
  a->start_ = offset;
  a->length_ = u->length;
  return a;
}

Status UploadService::write(Appender& a, std::span<char const> bytes) {
  if (a.offset() + bytes.size() > a.length_) {
    a.refused_ = true;
    Error e = make_error(ErrorCode::payload_too_large, "The body goes past Upload-Length",
                         "Upload-Length is " + std::to_string(a.length_));
    e.reason = errc::past_upload_length.code;
    return e;
  }
  // The disk reserve, re-checked as bytes arrive: the room promised at creation may have gone to
  // something else since. The bytes so far stay (the client resumes when there is room).
  if (auto s = budget_.draw(a.id_, bytes.size()); !s) return s;
  {
    std::lock_guard lock(a.slot_->mutex);
    if (a.slot_->generation != a.generation_) return taken_over();
    if (auto s = sniff(a, bytes); !s) return s;
    if (auto s = store_->write(*a.writer_, bytes); !s) return s;
  }
  if (a.checksum_) {
    // Nothing leaves for the store before the verdict: the bytes may still be refused.
    a.checksum_->update(bytes);
    return {};
  }
  if (store_->wants_flush(*a.writer_)) return store_->flush(*a.writer_, [this, &a] { return still_mine(a); });
  return {};
}

Status UploadService::sniff(Appender& a, std::span<char const> bytes) {
  auto& head = a.slot_->head;
  auto at = a.offset();
  // Only with every byte before this one at hand (not after a restart mid-head).
  if (at >= pyramid::kSniffBytes || head.size() != at) return {};
  auto take = std::min<std::size_t>(bytes.size(), pyramid::kSniffBytes - at);
  std::string candidate = head + std::string(bytes.data(), take);
  if (candidate.size() < pyramid::kSniffBytes && at + bytes.size() < a.length_) {
    head = std::move(candidate);
    return {};
  }
  if (auto s = pyramid::sniff_head(candidate); !s) {
    // Nothing of this request is kept: end_append discards the upload whole.
    a.rejected_ = true;
    return s;
  }
  head = std::move(candidate);
  return {};
}

void UploadService::rollback(Appender& a) {
  std::lock_guard lock(a.slot_->mutex);
  if (a.slot_->generation == a.generation_) {
    store_->rollback(*a.writer_, a.start_);
    if (a.slot_->head.size() > a.start_) a.slot_->head.resize(a.start_);
  }
}

Error UploadService::reject(std::string const& id, std::string const& store_record, Error why) {
  store_->discard(id, store_record);
  if (auto conn = pool_.acquire()) (void)(*conn)->query("DELETE FROM uploads WHERE id = $1", {id});
  budget_.release(id);
  drop_slot(id);
  log::info("upload_rejected", {{"upload", id}, {"code", why.machine_code()}, {"detail", why.detail}});
  return why;
}

Result<Upload> UploadService::end_append(auth::Principal const& who, std::unique_ptr<Appender> a,
                                         Status body) {
  // The verdict first. Bytes past Upload-Length refuse the request whole. With a checksum, only a
  // whole body that matches counts (an interrupted one cannot be verified).
  Status outcome = body;
  if (a->rejected_) {
    // Not an image we accept, seen from its first bytes: the upload ends here, as it would after
    // its last byte (the bytes removed, the upload forgotten), without waiting for the rest.
    std::string id = a->id_;
    auto u = get(who, id);
    {
      std::lock_guard lock(a->slot_->mutex);
      ++a->slot_->generation;  // no more writes
    }
    Error why = body ? make_error(ErrorCode::internal, "Upload refused") : body.error();
    a.reset();
    if (!u) return u.error();
    return reject(id, u->store_record, std::move(why));
  }
  if (a->refused_) rollback(*a);
  if (a->checksum_) {
    Status verdict = outcome ? a->checksum_->verify() : outcome;
    if (!verdict) {
      rollback(*a);
      outcome = verdict;
    }
  }
  auto answer = [&](Result<Upload> r) -> Result<Upload> {
    if (!outcome) return outcome.error();
    return r;
  };
  std::string id = a->id_;
  bool complete = a->offset() == a->length_;
  if (!complete) {
    // Durable before acknowledged: the offset we report survives a crash.
    if (auto s = store_->make_durable(*a->writer_, [this, &a] { return still_mine(*a); }); !s)
      return answer(s.error());
  } else if (!still_mine(*a)) {
    return answer(taken_over());
  }
  {
    auto conn = pool_.acquire();
    if (!conn) return answer(conn.error());
    auto now = now_unix_ms();
    if (auto r = (*conn)->query(
            "UPDATE uploads SET updated_at = $1, expires_at = $2 WHERE id = $3 AND state = 'open'",
            {now, now + settings_.expire_after.count(), id});
        !r) {
      return answer(r.error());
    }
  }
  // The last request's tail goes straight into the Source.
  if (complete) return answer(finish(who, id, a->writer_.get()));
  return answer(get(who, id));
}

Result<Upload> UploadService::finish(auth::Principal const& who, std::string const& id) {
  return finish(who, id, nullptr);
}

Result<Upload> UploadService::finish(auth::Principal const& who, std::string const& id,
                                     UploadStore::Writer* last) {
  auto u = get(who, id);
  if (!u) return u.error();
  if (u->state == "finished") return u;
  if (!last && u->offset != u->length) return u;
  auto s = slot(id);
  {
    std::lock_guard lock(s->mutex);
    if (s->finishing) return u;  // another request is finishing it
    s->finishing = true;
    ++s->generation;  // no more writes
  }
  auto release = [&] {
    std::lock_guard lock(s->mutex);
    s->finishing = false;
  };
  auto source = store_->assemble(id, u->length, last);
  if (!source) {
    release();
    return source.error();
  }
  auto d = source->key.empty() ? make_dataset(u->owner_id, u->metadata, source->file, u->length)
                               : make_stored_dataset(u->owner_id, u->metadata, source->key, u->length);
  if (!d) {
    auto code = d.error().code;
    if (code == ErrorCode::unsupported_media_type || code == ErrorCode::unprocessable ||
        code == ErrorCode::validation) {
      // The bytes are not an image we accept: remove them and the upload, and say why.
      return reject(id, u->store_record, d.error());
    }
    release();
    return d.error();
  }
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  if (auto r = (*conn)->query(
          "UPDATE uploads SET state = 'finished', dataset_id = $1, updated_at = $2 WHERE id = $3",
          {d->id, now_unix_ms(), id});
      !r) {
    return r.error();
  }
  store_->release(id);
  budget_.release(id);
  drop_slot(id);
  log::info("upload_finished", {{"upload", id},
                                {"dataset", d->id},
                                {"format", d->format},
                                {"width", d->width},
                                {"height", d->height}});
  u->state = "finished";
  u->offset = u->length;
  u->dataset_id = d->id;
  return u;
}

namespace {

datasets::ProbeSettings probe_settings(Settings const& s) {
  return {.max_pixels = s.max_pixels,
          .memory_limit_bytes = s.probe_memory_bytes,
          .timeout = s.probe_timeout,
          .fault = s.probe_fault ? s.probe_fault() : std::string()};
}

// A decoder's own words (libvips, libtiff, cfitsio) can hold server paths: the client gets the
// fixed sentence of the error's code, the log gets the decoder's text.
Error decoder_error_for_client(Error e, std::string_view what) {
  if (pyramid::detail_is_decoder_text(e)) {
    log::warn("image_refused", {{"what", std::string(what)},
                                {"code", std::string(e.machine_code())},
                                {"message", e.message},
                                {"decoder", e.detail}});
    e.detail.clear();
  }
  return e;
}

}  // namespace

Result<datasets::Dataset> UploadService::make_dataset(std::string const& owner, Metadata const& metadata,
                                                      std::filesystem::path const& path, std::uint64_t size) {
  auto desc = describe(metadata, owner);
  if (!desc) return desc.error();
  auto probed = settings_.probe_in_child ? datasets::probe_in_child(path, probe_settings(settings_))
                                         : pyramid::probe(path, settings_.max_pixels);
  if (!probed) return decoder_error_for_client(probed.error(), "upload");
  datasets::ProbedImage image{probed->format,   probed->sample_format,           probed->width,
                              probed->height,   static_cast<std::int64_t>(size), probed->bands,
                              probed->bit_depth};
  return datasets_.create(*desc, image, path);
}

Result<datasets::Dataset> UploadService::make_stored_dataset(std::string const& owner,
                                                             Metadata const& metadata, std::string const& key,
                                                             std::uint64_t size) {
  auto desc = describe(metadata, owner);
  if (!desc) return desc.error();
  auto& store = *settings_.objects;
  auto read = [&store, &key](std::uint64_t at, std::span<char> out) { return store.read(key, at, out); };
  auto probed = settings_.probe_in_child
                    ? datasets::probe_stored_in_child(read, size, settings_.dir, probe_settings(settings_))
                    : pyramid::probe_stored(read, size, settings_.max_pixels, settings_.dir);
  if (!probed) return decoder_error_for_client(probed.error(), "upload");
  datasets::ProbedImage image{probed->format,   probed->sample_format,           probed->width,
                              probed->height,   static_cast<std::int64_t>(size), probed->bands,
                              probed->bit_depth};
  return datasets_.create_stored(*desc, image, key);
}

Result<std::unique_ptr<FormFile>> UploadService::open_form_file(std::optional<std::uint64_t> declared) {
  if (declared && *declared > settings_.max_upload_size) {
    Error e = make_error(ErrorCode::payload_too_large, "Upload too large",
                         "the maximum is " + std::to_string(settings_.max_upload_size) + " bytes");
    e.reason = errc::upload_too_large.code;
    return e;
  }
  auto key = "form-" + random_id();
  // A declared body is reserved whole; a chunked one reserves nothing and is checked as it streams.
  if (auto s = budget_.claim(key, declared.value_or(0)); !s) return s.error();
  auto f = FormFile::open(settings_.dir / (key + ".part"), settings_.max_upload_size, budget_, key);
  if (!f) budget_.release(key);
  return f;
}

Result<datasets::Dataset> UploadService::ingest(auth::Principal const& who, Metadata const& metadata,
                                                std::filesystem::path const& path, std::uint64_t size) {
  auto d = make_dataset(who.user_id, metadata, path, size);
  if (d)
    log::info("upload_finished",
              {{"dataset", d->id}, {"format", d->format}, {"width", d->width}, {"height", d->height}});
  return d;
}

Status UploadService::terminate(auth::Principal const& who, std::string const& id) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto u = load(**conn, id);
  if (!u) return u.error();
  if (u->owner_id != who.user_id) return not_found();
  auto s = slot(id);
  {
    std::lock_guard lock(s->mutex);
    ++s->generation;  // a PATCH in flight stops writing
  }
  if (auto r = (*conn)->query("DELETE FROM uploads WHERE id = $1", {id}); !r) return r.error();
  // A finished upload's bytes are its dataset's now; an expired one's are gone.
  if (u->state == "open") store_->discard(id, u->store_record);
  budget_.release(id);
  drop_slot(id);
  log::info("upload_terminated", {{"upload", id}});
  return {};
}

Status UploadService::terminate_all(auth::Principal const& who) {
  std::vector<std::string> ids;
  {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    auto r = (*conn)->query("SELECT id FROM uploads WHERE owner_id = $1", {who.user_id});
    if (!r) return r.error();
    for (std::size_t i = 0; i < r->rows.size(); ++i) ids.push_back(r->text(i, 0));
  }  // terminate takes a connection of its own
  for (auto const& id : ids) {
    if (auto s = terminate(who, id); !s && s.error().code != ErrorCode::not_found) return s;
  }
  return {};
}

Result<int> UploadService::expire() {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto now = now_unix_ms();
  auto r =
      (*conn)->query("SELECT id FROM uploads WHERE state = 'open' AND expires_at < $1 LIMIT 1000", {now});
  if (!r) return r.error();
  int n = 0;
  for (std::size_t i = 0; i < r->rows.size(); ++i) {
    auto id = r->text(i, 0);
    auto s = slot(id);
    {
      std::lock_guard lock(s->mutex);
      ++s->generation;
    }
    auto up = (*conn)->query(
        "UPDATE uploads SET state = 'expired', updated_at = $1 WHERE id = $2 AND state = 'open'", {now, id});
    if (!up) return up.error();
    if (up->affected) {
      // Read after the row left 'open': no request can change the store's record any more.
      auto record = (*conn)->query("SELECT staging FROM uploads WHERE id = $1", {id});
      if (!record) return record.error();
      store_->expire(id, record->empty() ? std::string() : record->text(0, 0));
      budget_.release(id);
      ++n;
      log::info("upload_expired", {{"upload", id}});
    }
    drop_slot(id);
  }
  // Expired and finished rows are kept a week so clients get 410/the dataset id, then forgotten.
  if (auto old = (*conn)->query("DELETE FROM uploads WHERE state <> 'open' AND updated_at < $1",
                                {now - std::int64_t{7} * 24 * 3600 * 1000});
      !old) {
    return old.error();
  }
  return n;
}

}  // namespace astropixel::upload
