#include "upload/upload_service.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "datasets/stretch_request.hpp"
#include "pyramid/source.hpp"

namespace astropixel::upload {

struct Appender::Slot {
  std::mutex mutex;
  std::uint64_t generation = 0;
  bool finishing = false;
};

Appender::~Appender() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

Error not_found() {
  return make_error(ErrorCode::not_found, "Upload not found");
}

Error io_error(std::string_view what, int err) {
  ErrorCode code = err == ENOSPC || err == EDQUOT ? ErrorCode::insufficient_storage : ErrorCode::unavailable;
  Error e = make_error(code, "Upload storage error", std::string(what) + ": " + std::strerror(err));
  if (code == ErrorCode::insufficient_storage) e.reason = "insufficient_disk_space";
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
  auto kind = value_or(m, "stretch", "");
  if (!kind.empty()) {
    auto req = datasets::make_stretch_request(kind, std::nullopt);
    if (!req) return req.error();
    d.stretch = *req;
  }
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
      "SELECT id, owner_id, length, metadata, state, dataset_id, created_at, expires_at FROM uploads WHERE "
      "id = $1",
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
  u.offset = u.state == "finished" ? u.length : size_on_disk(path_of(u.id));
  return u;
}

Result<Upload> UploadService::create(auth::Principal const& who, std::uint64_t length,
                                     std::string_view header) {
  if (length > settings_.max_upload_size) {
    Error e = make_error(ErrorCode::payload_too_large, "Upload too large",
                         "Upload-Length " + std::to_string(length) + " exceeds the maximum of " +
                             std::to_string(settings_.max_upload_size) + " bytes");
    e.reason = "upload_too_large";
    return e;
  }
  auto metadata = parse_upload_metadata(header);
  if (!metadata) return metadata.error();
  if (auto d = describe(*metadata, who.user_id); !d) return d.error();
  auto free = settings_.free_bytes();
  if (!free) return free.error();
  if (*free < length + settings_.reserve_bytes) {
    Error e = make_error(ErrorCode::insufficient_storage, "Not enough disk space for this upload",
                         std::to_string(length) + " bytes needed, " + std::to_string(*free) + " free");
    e.reason = "insufficient_disk_space";
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
  int fd = ::open(path_of(u.id).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return io_error("create", errno);
  ::close(fd);
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto r = (*conn)->query(
      "INSERT INTO uploads (id, owner_id, length, metadata, state, created_at, updated_at, expires_at) "
      "VALUES ($1, $2, $3, $4, 'open', $5, $5, $6)",
      {u.id, u.owner_id, static_cast<std::int64_t>(length), metadata_json(u.metadata), u.created_at,
       u.expires_at});
  if (!r) {
    std::filesystem::remove(path_of(u.id));
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
  std::lock_guard lock(s->mutex);
  std::uint64_t current = u->state == "finished" ? u->length : size_on_disk(path_of(id));
  if (offset != current) {
    Error e = make_error(ErrorCode::conflict, "Upload-Offset does not match",
                         "the upload is at offset " + std::to_string(current));
    e.reason = "offset_mismatch";
    return e;
  }
  if (u->state == "finished" || s->finishing) {
    Error e = make_error(ErrorCode::conflict, "Upload already complete");
    e.reason = "upload_complete";
    return e;
  }
  auto a = std::unique_ptr<Appender>(new Appender());
  a->fd_ = ::open(path_of(id).c_str(), O_WRONLY | O_CLOEXEC);
  if (a->fd_ < 0) return io_error("open", errno);
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
    e.reason = "past_upload_length";
    return e;
  }
  std::lock_guard lock(a.slot_->mutex);
  if (a.slot_->generation != a.generation_) {
    Error e = make_error(ErrorCode::conflict, "Another request took this upload over");
    e.reason = "upload_taken_over";
    return e;
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

void UploadService::rollback(Appender& a) {
  std::lock_guard lock(a.slot_->mutex);
  if (a.slot_->generation != a.generation_) return;
  if (::ftruncate(a.fd_, static_cast<off_t>(a.start_)) == 0) a.offset_ = a.start_;
}

Result<Upload> UploadService::end_append(auth::Principal const& who, std::unique_ptr<Appender> a) {
  // Durable before acknowledged: the offset we report survives a crash.
  if (::fdatasync(a->fd_) != 0) return io_error("fdatasync", errno);
  bool complete = a->offset_ == a->length_;
  std::string id = a->id_;
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

Result<Upload> UploadService::finish(auth::Principal const& who, std::string const& id) {
  auto u = get(who, id);
  if (!u) return u.error();
  if (u->state == "finished" || u->offset != u->length) return u;
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
  auto forget = [&](Error e) -> Result<Upload> {
    // The bytes are not an image we accept: remove them and the upload, and say why.
    std::error_code ec;
    std::filesystem::remove(path, ec);
    if (auto conn = pool_.acquire()) (void)(*conn)->query("DELETE FROM uploads WHERE id = $1", {id});
    drop_slot(id);
    log::info("upload_rejected", {{"upload", id}, {"code", e.machine_code()}, {"detail", e.detail}});
    return e;
  };
  auto d = make_dataset(u->owner_id, u->metadata, path, u->length);
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
  drop_slot(id);
  log::info("upload_finished", {{"upload", id},
                                {"dataset", d->id},
                                {"format", d->format},
                                {"width", d->width},
                                {"height", d->height}});
  u->state = "finished";
  u->dataset_id = d->id;
  return u;
}

Result<datasets::Dataset> UploadService::make_dataset(std::string const& owner, Metadata const& metadata,
                                                      std::filesystem::path const& path, std::uint64_t size) {
  auto desc = describe(metadata, owner);
  if (!desc) return desc.error();
  auto probed = pyramid::probe(path, settings_.max_pixels);
  if (!probed) return probed.error();
  datasets::ProbedImage image{probed->format,   probed->sample_format,           probed->width,
                              probed->height,   static_cast<std::int64_t>(size), probed->bands,
                              probed->bit_depth};
  return datasets_.create(*desc, image, path);
}

Result<std::filesystem::path> UploadService::reserve_file(std::uint64_t expected) {
  if (expected > settings_.max_upload_size) {
    Error e = make_error(ErrorCode::payload_too_large, "Upload too large",
                         "the maximum is " + std::to_string(settings_.max_upload_size) + " bytes");
    e.reason = "upload_too_large";
    return e;
  }
  auto free = settings_.free_bytes();
  if (!free) return free.error();
  if (*free < expected + settings_.reserve_bytes) {
    Error e = make_error(ErrorCode::insufficient_storage, "Not enough disk space for this upload",
                         std::to_string(expected) + " bytes needed, " + std::to_string(*free) + " free");
    e.reason = "insufficient_disk_space";
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
  if (auto r = (*conn)->query("DELETE FROM uploads WHERE id = $1", {id}); !r) return r.error();
  std::error_code ec;
  std::filesystem::remove(path_of(id), ec);
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
    auto up = (*conn)->query(
        "UPDATE uploads SET state = 'expired', updated_at = $1 WHERE id = $2 AND state = 'open'", {now, id});
    if (!up) return up.error();
    std::error_code ec;
    std::filesystem::remove(path_of(id), ec);
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
