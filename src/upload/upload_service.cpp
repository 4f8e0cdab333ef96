#include "upload/upload_service.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

namespace astropixel::upload {

struct Appender::Slot {
  std::mutex mutex;  // generation, finishing, and local writes
  std::uint64_t generation = 0;
  bool finishing = false;
  // Object store mode: serialises this instance's work on the upload's spool and parts (opening,
  // shipping, committing, completing), and remembers the row version the spool is in step with.
  std::mutex io;
  std::int64_t spool_version = -1;
};

Appender::~Appender() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

Error not_found() {
  return make_error(ErrorCode::not_found, "Upload not found");
}

Error taken_over() {
  Error e = make_error(ErrorCode::conflict, "Another request took this upload over");
  e.reason = errc::upload_taken_over.code;
  return e;
}

Error io_error(std::string_view what, int err) {
  ErrorCode code = err == ENOSPC || err == EDQUOT ? ErrorCode::insufficient_storage : ErrorCode::unavailable;
  Error e = make_error(code, "Upload storage error", std::string(what) + ": " + std::strerror(err));
  if (code == ErrorCode::insufficient_storage) e.reason = errc::insufficient_disk_space.code;
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

std::uint64_t size_on_disk(std::filesystem::path const& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_size);
}

}  // namespace

UploadService::UploadService(db::Pool& pool, datasets::DatasetService& datasets, Settings settings)
    : pool_(pool), datasets_(datasets), settings_(std::move(settings)) {
  if (settings_.objects && settings_.objects->part_assembly())
    objects_ = std::make_unique<ObjectStaging>(pool_, *settings_.objects, settings_.dir);
  std::error_code ec;
  std::filesystem::create_directories(settings_.dir, ec);
}

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

Result<Upload> UploadService::load(db::Connection& c, std::string const& id) {
  auto r = c.query(
      "SELECT id, owner_id, length, metadata, state, dataset_id, created_at, expires_at, staged_offset FROM "
      "uploads WHERE id = $1",
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
  u.offset = u.state == "finished" ? u.length
             : objects_            ? static_cast<std::uint64_t>(r->int64(0, 8))
                                   : size_on_disk(path_of(u.id));
  return u;
}

Result<Upload> UploadService::create(auth::Principal const& who, std::uint64_t length,
                                     std::string_view header) {
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
  // Local disk holds the whole upload, or (object store) about one part of it.
  auto local = objects_ ? std::min<std::uint64_t>(length, 2 * objects_->part_size_for(length)) : length;
  auto free = settings_.free_bytes();
  if (!free) return free.error();
  if (*free < local + settings_.reserve_bytes) {
    Error e = make_error(ErrorCode::insufficient_storage, "Not enough disk space for this upload",
                         std::to_string(local) + " bytes needed, " + std::to_string(*free) + " free");
    e.reason = errc::insufficient_disk_space.code;
    return e;
  }
  Upload u;
  u.id = random_id();
  u.owner_id = who.user_id;
  u.length = length;
  u.metadata = std::move(*metadata);
  u.state = "open";
  u.created_at = now_unix_ms();
  u.expires_at = u.created_at + settings_.expire_after.count();
  if (!objects_) {
    int fd = ::open(path_of(u.id).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) return io_error("create", errno);
    ::close(fd);
  }
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto r = (*conn)->query(
      "INSERT INTO uploads (id, owner_id, length, metadata, state, created_at, updated_at, expires_at, "
      "staging) VALUES ($1, $2, $3, $4, 'open', $5, $5, $6, $7)",
      {u.id, u.owner_id, static_cast<std::int64_t>(length), metadata_json(u.metadata), u.created_at,
       u.expires_at, objects_ ? objects_->initial(length) : std::string()});
  if (!r) {
    std::error_code ec;
    std::filesystem::remove(path_of(u.id), ec);
    return r.error();
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

Result<std::unique_ptr<Appender>> UploadService::begin_append(auth::Principal const& who,
                                                              std::string const& id, std::uint64_t offset) {
  auto u = get(who, id);
  if (!u) return u.error();
  auto s = slot(id);
  std::unique_lock io(s->io, std::defer_lock);
  if (objects_) io.lock();
  std::lock_guard lock(s->mutex);
  std::uint64_t current = u->state == "finished" || objects_ ? u->offset : size_on_disk(path_of(id));
  if (offset != current) {
    Error e = make_error(ErrorCode::conflict, "Upload-Offset does not match",
                         "the upload is at offset " + std::to_string(current));
    e.reason = errc::offset_mismatch.code;
    return e;
  }
  if (u->state == "finished" || s->finishing) {
    Error e = make_error(ErrorCode::conflict, "Upload already complete");
    e.reason = errc::upload_complete.code;
    return e;
  }
  auto a = std::unique_ptr<Appender>(new Appender());
  if (objects_) {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    auto st = objects_->load(**conn, id);
    if (!st) return st.error();
    if (st->offset != offset) return taken_over();  // moved on since we looked
    auto w = objects_->open(id, std::move(*st), s->spool_version);
    if (!w) return w.error();
    s->spool_version = (*w)->st.version;
    a->staged_ = std::move(*w);
  } else {
    a->fd_ = ::open(path_of(id).c_str(), O_WRONLY | O_CLOEXEC);
    if (a->fd_ < 0) return io_error("open", errno);
  }
  // Taking over: from here on, the previous request's writes are refused.
  a->generation_ = ++s->generation;
  a->slot_ = s;
  a->id_ = id;
  a->offset_ = a->start_ = offset;
  a->length_ = u->length;
  return a;
}

Status UploadService::write(Appender& a, std::span<char const> bytes) {
  if (a.offset_ + bytes.size() > a.length_) {
    Error e = make_error(ErrorCode::payload_too_large, "The body goes past Upload-Length",
                         "Upload-Length is " + std::to_string(a.length_));
    e.reason = errc::past_upload_length.code;
    return e;
  }
  std::lock_guard lock(a.slot_->mutex);
  if (a.slot_->generation != a.generation_) return taken_over();
  if (a.staged_) {
    if (auto s = objects_->append(*a.staged_, bytes); !s) return s;
    a.offset_ += bytes.size();
    return {};
  }
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(a.fd_, bytes.data(), bytes.size(), static_cast<off_t>(a.offset_));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      // Keep the file's size equal to what was written whole: a partial write is cut back.
      (void)::ftruncate(a.fd_, static_cast<off_t>(a.offset_));
      return io_error("write", err);
    }
    a.offset_ += static_cast<std::uint64_t>(n);
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

bool UploadService::wants_ship(Appender const& a) const {
  return a.staged_ && !a.hold_ && objects_->full(*a.staged_);
}

Status UploadService::ship(Appender& a) {
  std::lock_guard io(a.slot_->io);
  {
    std::lock_guard lock(a.slot_->mutex);
    if (a.slot_->generation != a.generation_) return taken_over();
  }
  auto s = objects_->ship(*a.staged_);
  a.slot_->spool_version = a.staged_->st.version;
  return s;
}

void UploadService::rollback(Appender& a) {
  std::lock_guard lock(a.slot_->mutex);
  if (a.slot_->generation != a.generation_) return;
  if (a.staged_) {
    objects_->rollback(*a.staged_, a.start_);
    a.offset_ = a.staged_->end;
    return;
  }
  if (::ftruncate(a.fd_, static_cast<off_t>(a.start_)) == 0) a.offset_ = a.start_;
}

Result<Upload> UploadService::end_append(auth::Principal const& who, std::unique_ptr<Appender> a) {
  bool complete = a->offset_ == a->length_;
  std::string id = a->id_;
  if (a->staged_) {
    // Durable before acknowledged: the bytes are in the store and the row says so. The last
    // request's tail goes straight into the last part.
    std::unique_lock io(a->slot_->io);
    {
      std::lock_guard lock(a->slot_->mutex);
      if (a->slot_->generation != a->generation_) return taken_over();
    }
    if (objects_->full(*a->staged_)) {  // parts held back for a checksum
      auto shipped = objects_->ship(*a->staged_);
      a->slot_->spool_version = a->staged_->st.version;
      if (!shipped) return shipped.error();
    }
    if (complete) return finish(who, id, a->staged_.get());  // with `io` held
    auto committed = objects_->commit(*a->staged_);
    a->slot_->spool_version = a->staged_->st.version;
    if (!committed) return committed.error();
  } else if (::fdatasync(a->fd_) != 0) {
    // Durable before acknowledged: the offset we report survives a crash.
    return io_error("fdatasync", errno);
  }
  a.reset();
  {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    auto now = now_unix_ms();
    if (auto r = (*conn)->query(
            "UPDATE uploads SET updated_at = $1, expires_at = $2 WHERE id = $3 AND state = 'open'",
            {now, now + settings_.expire_after.count(), id});
        !r) {
      return r.error();
    }
  }
  if (complete) return finish(who, id);
  return get(who, id);
}

Result<Upload> UploadService::finish(auth::Principal const& who, std::string const& id,
                                     ObjectStaging::Writer* staged) {
  auto u = get(who, id);
  if (!u) return u.error();
  if (u->state == "finished") return u;
  if (!staged && u->offset != u->length) return u;
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
  auto path = path_of(id);
  if (objects_) {
    // The parts become the source object, unless an earlier attempt got that far. Fragments and
    // spool stay until the dataset exists: a failure after this point is retried from them.
    auto assemble = [&]() -> Status {
      std::unique_lock io(s->io, std::defer_lock);
      if (!staged) io.lock();  // else the caller holds it
      if (objects_->assembled(id, u->length)) return {};
      std::unique_ptr<ObjectStaging::Writer> own;
      if (!staged) {
        auto conn = pool_.acquire();
        if (!conn) return conn.error();
        auto st = objects_->load(**conn, id);
        if (!st) return st.error();
        auto w = objects_->open(id, std::move(*st), s->spool_version);
        if (!w) return w.error();
        own = std::move(*w);
        staged = own.get();
      }
      return objects_->assemble(*staged, u->length);
    };
    if (auto done = assemble(); !done) {
      release();
      return done.error();
    }
  }
  auto forget = [&](Error e) -> Result<Upload> {
    // The bytes are not an image we accept: remove them and the upload, and say why.
    std::error_code ec;
    std::filesystem::remove(path, ec);
    if (objects_) {
      (void)settings_.objects->remove(ObjectStaging::source_key(id));
      objects_->clean(id);
    }
    if (auto conn = pool_.acquire()) (void)(*conn)->query("DELETE FROM uploads WHERE id = $1", {id});
    drop_slot(id);
    log::info("upload_rejected", {{"upload", id}, {"code", e.machine_code()}, {"detail", e.detail}});
    return e;
  };
  auto d = objects_ ? make_stored_dataset(u->owner_id, u->metadata, ObjectStaging::source_key(id), u->length)
                    : make_dataset(u->owner_id, u->metadata, path, u->length);
  if (!d) {
    auto code = d.error().code;
    if (code == ErrorCode::unsupported_media_type || code == ErrorCode::unprocessable ||
        code == ErrorCode::validation)
      return forget(d.error());
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
  if (objects_) objects_->clean(id);
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

Result<std::filesystem::path> UploadService::reserve_file(std::uint64_t expected) {
  if (expected > settings_.max_upload_size) {
    Error e = make_error(ErrorCode::payload_too_large, "Upload too large",
                         "the maximum is " + std::to_string(settings_.max_upload_size) + " bytes");
    e.reason = errc::upload_too_large.code;
    return e;
  }
  auto free = settings_.free_bytes();
  if (!free) return free.error();
  if (*free < expected + settings_.reserve_bytes) {
    Error e = make_error(ErrorCode::insufficient_storage, "Not enough disk space for this upload",
                         std::to_string(expected) + " bytes needed, " + std::to_string(*free) + " free");
    e.reason = errc::insufficient_disk_space.code;
    return e;
  }
  return settings_.dir / ("form-" + random_id() + ".part");
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
  std::optional<Staged> staged;
  if (objects_ && u->state == "open") {
    auto st = objects_->load(**conn, id);
    if (!st) return st.error();
    staged = std::move(*st);
  }
  if (auto r = (*conn)->query("DELETE FROM uploads WHERE id = $1", {id}); !r) return r.error();
  std::error_code ec;
  std::filesystem::remove(path_of(id), ec);
  if (staged) {
    std::lock_guard io(s->io);
    objects_->discard(id, *staged);
  }
  drop_slot(id);
  log::info("upload_terminated", {{"upload", id}});
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
    std::optional<Staged> staged;
    if (objects_) {
      auto st = objects_->load(**conn, id);
      if (!st) return st.error();
      staged = std::move(*st);
    }
    auto up = (*conn)->query(
        "UPDATE uploads SET state = 'expired', updated_at = $1 WHERE id = $2 AND state = 'open'", {now, id});
    if (!up) return up.error();
    std::error_code ec;
    std::filesystem::remove(path_of(id), ec);
    if (staged && up->affected) {
      std::lock_guard io(s->io);
      objects_->discard(id, *staged);
    }
    drop_slot(id);
    if (up->affected) {
      ++n;
      log::info("upload_expired", {{"upload", id}});
    }
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
