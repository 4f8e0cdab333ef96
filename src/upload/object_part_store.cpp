#include "upload/object_part_store.hpp"

#include "core/error_catalogue.hpp"
#include "core/log.hpp"

namespace astropixel::upload {

namespace {

Error taken_over() {
  Error e = make_error(ErrorCode::conflict, "Another request took this upload over");
  e.reason = errc::upload_taken_over.code;
  return e;
}

}  // namespace

struct PartWriter final : UploadStore::Writer {
  std::uint64_t end() const override { return staged->end; }
  std::unique_ptr<ObjectStaging::Writer> staged;
};

ObjectPartStore::ObjectPartStore(db::Pool& pool, storage::BlobStore& store, std::filesystem::path dir)
    : pool_(pool), staging_(pool, store, std::move(dir)) {}

std::shared_ptr<ObjectPartStore::Slot> ObjectPartStore::slot(std::string const& id) {
  std::lock_guard lock(slots_mutex_);
  auto& s = slots_[id];
  if (!s) s = std::make_shared<Slot>();
  return s;
}

void ObjectPartStore::drop(std::string const& id) {
  std::lock_guard lock(slots_mutex_);
  slots_.erase(id);
}

Result<std::string> ObjectPartStore::create(std::string const&, std::uint64_t length) {
  return staging_.initial(length);
}

std::uint64_t ObjectPartStore::local_bytes(std::uint64_t length, std::uint64_t offset) const {
  auto rest = length > offset ? length - offset : 0;
  return std::min<std::uint64_t>(rest, 2 * staging_.part_size_for(length));
}

std::uint64_t ObjectPartStore::offset(std::string const&, std::uint64_t recorded) {
  return recorded;
}

Result<std::unique_ptr<UploadStore::Writer>> ObjectPartStore::open(std::string const& id,
                                                                   std::uint64_t offset) {
  auto s = slot(id);
  std::lock_guard io(s->io);
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto st = staging_.load(**conn, id);
  if (!st) return st.error();
  if (st->offset != offset) return taken_over();  // moved on since the caller looked
  auto staged = staging_.open(id, std::move(*st), s->spool_version);
  if (!staged) return staged.error();
  s->spool_version = (*staged)->st.version;
  auto w = std::make_unique<PartWriter>();
  w->staged = std::move(*staged);
  return std::unique_ptr<Writer>(std::move(w));
}

Status ObjectPartStore::write(Writer& w, std::span<char const> bytes) {
  return staging_.append(*static_cast<PartWriter&>(w).staged, bytes);
}

bool ObjectPartStore::wants_flush(Writer const& w) const {
  return staging_.full(*static_cast<PartWriter const&>(w).staged);
}

Status ObjectPartStore::flush(Writer& writer, StillMine const& still_mine) {
  auto& w = *static_cast<PartWriter&>(writer).staged;
  auto s = slot(w.id);
  std::lock_guard io(s->io);
  if (!still_mine()) return taken_over();
  auto shipped = staging_.ship(w);
  s->spool_version = w.st.version;
  return shipped;
}

void ObjectPartStore::rollback(Writer& w, std::uint64_t to) {
  staging_.rollback(*static_cast<PartWriter&>(w).staged, to);
}

Status ObjectPartStore::make_durable(Writer& writer, StillMine const& still_mine) {
  // Durable before acknowledged: the bytes are in the store and the row says so.
  auto& w = *static_cast<PartWriter&>(writer).staged;
  auto s = slot(w.id);
  std::lock_guard io(s->io);
  if (!still_mine()) return taken_over();
  if (staging_.full(w)) {  // parts held back while a checksum was pending
    auto shipped = staging_.ship(w);
    s->spool_version = w.st.version;
    if (!shipped) return shipped;
  }
  auto committed = staging_.commit(w);
  s->spool_version = w.st.version;
  return committed;
}

Result<Source> ObjectPartStore::assemble(std::string const& id, std::uint64_t length, Writer* writer) {
  // The parts become the source object, unless an earlier attempt got that far. Fragments and
  // spool stay until release(): a failure after this point is retried from them.
  auto s = slot(id);
  std::lock_guard io(s->io);
  Source source{.file = {}, .key = ObjectStaging::source_key(id)};
  if (staging_.assembled(id, length)) return source;
  std::unique_ptr<ObjectStaging::Writer> own;
  ObjectStaging::Writer* w = writer ? static_cast<PartWriter*>(writer)->staged.get() : nullptr;
  if (!w) {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    auto st = staging_.load(**conn, id);
    if (!st) return st.error();
    auto opened = staging_.open(id, std::move(*st), s->spool_version);
    if (!opened) return opened.error();
    own = std::move(*opened);
    w = own.get();
  } else if (staging_.full(*w)) {  // the last request's parts, held back while a checksum was pending
    auto shipped = staging_.ship(*w);
    s->spool_version = w->st.version;
    if (!shipped) return shipped.error();
  }
  if (auto done = staging_.assemble(*w, length); !done) return done.error();
  return source;
}

void ObjectPartStore::release(std::string const& id) {
  {
    auto s = slot(id);
    std::lock_guard io(s->io);
    staging_.clean(id);
  }
  drop(id);
}

void ObjectPartStore::discard(std::string const& id, std::string const& record) {
  {
    auto s = slot(id);
    std::lock_guard io(s->io);
    auto st = ObjectStaging::parse(record);
    if (!st) log::warn("upload_staging_unreadable", {{"upload", id}, {"detail", st.error().detail}});
    staging_.discard(id, st ? *st : Staged{});
  }
  drop(id);
}

}  // namespace astropixel::upload
