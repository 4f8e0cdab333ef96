#include "upload/object_staging.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>

#include "core/error_catalogue.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"

namespace astropixel::upload {

namespace {

Error local_error(std::string_view what, int err) {
  ErrorCode code = err == ENOSPC || err == EDQUOT ? ErrorCode::insufficient_storage : ErrorCode::unavailable;
  Error e = make_error(code, "Upload storage error", std::string(what) + ": " + std::strerror(err));
  if (code == ErrorCode::insufficient_storage) e.reason = errc::insufficient_disk_space.code;
  return e;
}

Error taken_over() {
  Error e = make_error(ErrorCode::conflict, "Another request took this upload over");
  e.reason = errc::upload_taken_over.code;
  return e;
}

std::string fragment_key(std::string const& id, std::string const& name) {
  return "uploads/" + id + "/frag/" + name;
}

std::string to_json(Staged const& s) {
  boost::json::array tags, fragments;
  for (auto const& t : s.tags) tags.emplace_back(t);
  for (auto const& f : s.fragments)
    fragments.push_back(boost::json::object{{"name", f.name}, {"size", f.size}});
  return boost::json::serialize(boost::json::object{
      {"part_size", s.part_size}, {"session", s.session}, {"tags", tags}, {"fragments", fragments}});
}

// The spool's bytes, mapped read-only for the store's client (no copy into a buffer).
class Mapping {
 public:
  Mapping(int fd, std::size_t size) : size_(size) {
    if (size_ == 0) return;
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED) data_ = static_cast<char const*>(p);
  }
  ~Mapping() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
  }
  Mapping(Mapping const&) = delete;
  Mapping& operator=(Mapping const&) = delete;
  bool ok() const { return size_ == 0 || data_; }
  std::span<char const> bytes(std::uint64_t from, std::uint64_t to) const {
    return {data_ + from, static_cast<std::size_t>(to - from)};
  }

 private:
  char const* data_ = nullptr;
  std::size_t size_;
};

Status pwrite_all(int fd, char const* p, std::size_t n, std::uint64_t at) {
  while (n > 0) {
    auto w = ::pwrite(fd, p, n, static_cast<off_t>(at));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return local_error("spool write", errno);
    p += w;
    n -= static_cast<std::size_t>(w);
    at += static_cast<std::uint64_t>(w);
  }
  return {};
}

}  // namespace

ObjectStaging::Writer::~Writer() {
  if (fd >= 0) ::close(fd);
}

ObjectStaging::ObjectStaging(db::Pool& pool, storage::BlobStore& store, std::filesystem::path dir)
    : pool_(pool), store_(store), parts_(*store.part_assembly()), dir_(std::move(dir)) {}

std::uint64_t ObjectStaging::part_size_for(std::uint64_t length) const {
  return parts_.part_size_for(length);
}

std::string ObjectStaging::initial(std::uint64_t length) const {
  Staged s;
  s.part_size = part_size_for(length);
  return to_json(s);
}

Result<Staged> ObjectStaging::parse(std::string const& record) {
  Staged s;
  boost::system::error_code ec;
  auto v = boost::json::parse(record, ec);
  if (ec || !v.is_object()) return make_error(ErrorCode::internal, "Upload staging record unreadable");
  try {
    auto const& o = v.as_object();
    s.part_size = boost::json::value_to<std::uint64_t>(o.at("part_size"));
    s.session = boost::json::value_to<std::string>(o.at("session"));
    for (auto const& t : o.at("tags").as_array()) s.tags.push_back(boost::json::value_to<std::string>(t));
    for (auto const& f : o.at("fragments").as_array()) {
      s.fragments.push_back({boost::json::value_to<std::string>(f.at("name")),
                             boost::json::value_to<std::uint64_t>(f.at("size"))});
    }
  } catch (std::exception const& e) {
    return make_error(ErrorCode::internal, "Upload staging record unreadable", e.what());
  }
  return s;
}

Result<Staged> ObjectStaging::load(db::Connection& c, std::string const& id) {
  auto r = c.query("SELECT staged_offset, staging, staging_version FROM uploads WHERE id = $1", {id});
  if (!r) return r.error();
  if (r->empty()) return make_error(ErrorCode::not_found, "Upload not found");
  auto s = parse(r->text(0, 1));
  if (!s) {
    Error e = s.error();
    e.detail = "upload " + id + (e.detail.empty() ? "" : ": " + e.detail);
    return e;
  }
  s->offset = static_cast<std::uint64_t>(r->int64(0, 0));
  s->version = r->int64(0, 2);
  return s;
}

Result<std::unique_ptr<ObjectStaging::Writer>> ObjectStaging::open(std::string const& id, Staged st,
                                                                   std::int64_t trusted_version) {
  auto w = std::make_unique<Writer>();
  w->id = id;
  w->base = st.parts_end();
  w->end = st.offset;
  w->st = std::move(st);
  w->fd = ::open(spool_path(id).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (w->fd < 0) return local_error("spool open", errno);
  auto durable = w->st.offset - w->base;
  struct stat info {};
  if (::fstat(w->fd, &info) != 0) return local_error("spool stat", errno);
  if (trusted_version == w->st.version && static_cast<std::uint64_t>(info.st_size) >= durable) {
    // This instance wrote the durable bytes: keep them, drop what was never acknowledged.
    if (::ftruncate(w->fd, static_cast<off_t>(durable)) != 0) return local_error("spool truncate", errno);
    return w;
  }
  if (::ftruncate(w->fd, 0) != 0) return local_error("spool truncate", errno);
  std::vector<char> buffer(1 << 20);
  std::uint64_t at = 0;
  for (auto const& f : w->st.fragments) {
    auto key = fragment_key(id, f.name);
    for (std::uint64_t done = 0; done < f.size;) {
      auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), f.size - done));
      auto n = store_.read(key, done, std::span<char>(buffer.data(), want));
      if (!n) return n.error();
      if (*n == 0) return make_error(ErrorCode::unavailable, "Upload fragment shorter than recorded", key);
      if (auto s = pwrite_all(w->fd, buffer.data(), *n, at); !s) return s.error();
      done += *n;
      at += *n;
    }
  }
  if (at != durable) return make_error(ErrorCode::internal, "Upload fragments do not add up", "upload " + id);
  log::info("upload_spool_rebuilt", {{"upload", id}, {"bytes", at}, {"fragments", w->st.fragments.size()}});
  return w;
}

Status ObjectStaging::append(Writer& w, std::span<char const> bytes) {
  if (auto s = pwrite_all(w.fd, bytes.data(), bytes.size(), w.end - w.base); !s) {
    (void)::ftruncate(w.fd, static_cast<off_t>(w.end - w.base));  // nothing half-written stays
    return s;
  }
  w.end += bytes.size();
  return {};
}

Status ObjectStaging::record(Writer& w, Staged next) {
  next.version = w.st.version + 1;
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto r = (*conn)->query(
      "UPDATE uploads SET staged_offset = $1, staging = $2, staging_version = $3 WHERE id = $4 AND "
      "staging_version = $5 AND state = 'open'",
      {static_cast<std::int64_t>(next.offset), to_json(next), next.version, w.id, w.st.version});
  if (!r) return r.error();
  if (r->affected == 0) return taken_over();
  w.st = std::move(next);
  return {};
}

Status ObjectStaging::ship(Writer& w) {
  auto key = source_key(w.id);
  while (full(w)) {
    auto part = w.st.part_size;
    Staged next = w.st;
    bool fresh = next.session.empty();
    if (fresh) {
      auto session = parts_.begin(key);
      if (!session) return session.error();
      next.session = *session;
    }
    Mapping map(w.fd, static_cast<std::size_t>(w.end - w.base));
    if (!map.ok()) return local_error("spool map", errno);
    auto tag = parts_.put_part(key, next.session, static_cast<int>(next.tags.size() + 1), map.bytes(0, part));
    if (!tag) {
      if (fresh) (void)parts_.abort(key, next.session);
      return tag.error();
    }
    auto old_fragments = std::move(next.fragments);
    next.fragments.clear();
    next.tags.push_back(*tag);
    next.offset = w.base + part;
    auto session = next.session;
    if (auto s = record(w, std::move(next)); !s) {
      if (fresh) (void)parts_.abort(key, session);  // the winner has its own
      return s;
    }
    for (auto const& f : old_fragments) (void)store_.remove(fragment_key(w.id, f.name));
    // What followed the part moves to the start of the spool.
    auto rest = w.end - w.base - part;
    std::vector<char> tail(static_cast<std::size_t>(rest));
    if (rest > 0) {
      auto tail_bytes = map.bytes(part, part + rest);
      std::memcpy(tail.data(), tail_bytes.data(), tail.size());
    }
    if (auto s = pwrite_all(w.fd, tail.data(), tail.size(), 0); !s) return s;
    if (::ftruncate(w.fd, static_cast<off_t>(rest)) != 0) return local_error("spool truncate", errno);
    w.base += part;
  }
  return {};
}

Status ObjectStaging::commit(Writer& w) {
  if (w.end == w.st.offset) return {};
  Mapping map(w.fd, static_cast<std::size_t>(w.end - w.base));
  if (!map.ok()) return local_error("spool map", errno);
  // A name no other writer can pick: two instances may race for the same offset.
  Fragment f{std::to_string(w.st.offset) + "-" + random_hex(6), w.end - w.st.offset};
  auto key = fragment_key(w.id, f.name);
  if (auto s = storage::put_bytes(store_, key, map.bytes(w.st.offset - w.base, w.end - w.base)); !s) return s;
  Staged next = w.st;
  next.fragments.push_back(f);
  next.offset = w.end;
  if (auto s = record(w, std::move(next)); !s) {
    (void)store_.remove(key);
    return s;
  }
  return {};
}

void ObjectStaging::rollback(Writer& w, std::uint64_t to) {
  to = std::max({to, w.st.offset, w.base});
  if (to < w.end && ::ftruncate(w.fd, static_cast<off_t>(to - w.base)) == 0) w.end = to;
}

bool ObjectStaging::assembled(std::string const& id, std::uint64_t length) {
  auto info = store_.stat(source_key(id));
  return info && info->size == length;
}

Status ObjectStaging::assemble(Writer& w, std::uint64_t length) {
  auto key = source_key(w.id);
  if (assembled(w.id, length)) return {};
  if (w.end != length) return make_error(ErrorCode::internal, "Upload assembled before its last byte");
  Mapping map(w.fd, static_cast<std::size_t>(w.end - w.base));
  if (!map.ok()) return local_error("spool map", errno);
  if (w.st.session.empty()) return storage::put_bytes(store_, key, map.bytes(0, w.end - w.base));  // one part
  auto tags = w.st.tags;
  if (w.end > w.base) {
    auto tag =
        parts_.put_part(key, w.st.session, static_cast<int>(tags.size() + 1), map.bytes(0, w.end - w.base));
    if (!tag) return tag.error();
    tags.push_back(*tag);
  }
  return parts_.complete(key, w.st.session, tags, length);
}

void ObjectStaging::clean(std::string const& id) {
  if (auto fragments = store_.list("uploads/" + id + "/frag/")) {
    for (auto const& f : *fragments) (void)store_.remove(f.key);
  }
  std::error_code ec;
  std::filesystem::remove(spool_path(id), ec);
}

void ObjectStaging::discard(std::string const& id, Staged const& st) {
  if (!st.session.empty()) (void)parts_.abort(source_key(id), st.session);
  clean(id);
  (void)store_.remove(source_key(id));
}

}  // namespace astropixel::upload
