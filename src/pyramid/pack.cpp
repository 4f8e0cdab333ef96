#include "pyramid/pack.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>

#include "core/error_catalogue.hpp"
#include "core/ids.hpp"
#include "pyramid/data_tile.hpp"

namespace astropixel::pyramid {
namespace {

constexpr char kMagic[8] = {'A', 'P', 'X', 'P', 'A', 'C', 'K', '1'};
constexpr char kEnd[4] = {'A', 'P', 'X', 'E'};
// A build's snapshot (PackWriter::checkpoint): magic, u64 bytes of the pack readable, u32 metadata
// size, the metadata (JSON: the pack's file name, size, tile size, format, complete tile rows per
// level), then the display index as in a pack.
constexpr char kLiveMagic[8] = {'A', 'P', 'X', 'L', 'I', 'V', 'E', '1'};
constexpr std::size_t kEntry = 12, kFooter = 32, kLiveHead = 20;

void put_u64(unsigned char* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
void put_u32(unsigned char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
std::uint64_t get_u64(unsigned char const* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
std::uint32_t get_u32(unsigned char const* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

Error io_error(std::string_view what, int err) {
  ErrorCode code = err == ENOSPC || err == EDQUOT ? ErrorCode::insufficient_storage : ErrorCode::internal;
  return make_error(code, "Cannot write the pyramid", std::string(what) + ": " + std::strerror(err));
}

Error corrupt(std::string detail) {
  Error e = make_error(ErrorCode::unprocessable, "Corrupt pyramid pack", std::move(detail));
  e.reason = errc::corrupt_pack.code;
  return e;
}

bool pread_all(int fd, void* buf, std::size_t n, std::uint64_t off) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t r = ::pread(fd, p, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
    off += static_cast<std::uint64_t>(r);
  }
  return true;
}

}  // namespace

PackWriter::~PackWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
}

Status PackWriter::write_all(void const* data, std::size_t size) {
  auto const* p = static_cast<char const*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("write", errno);
    p += n;
    size -= static_cast<std::size_t>(n);
    offset_ += static_cast<std::uint64_t>(n);
  }
  // The bytes written so far go to the disk now, in the background, rather than all at the commit's
  // fsync: a pack of a gigabyte (value planes, ADR 0031) took as long again to flush as to build.
  // Only a hint: errors, if any, are the fsync's to report.
  if (offset_ - flushed_ >= kWritebackBytes) {
    (void)::sync_file_range(fd_, static_cast<off_t>(flushed_), static_cast<off_t>(offset_ - flushed_),
                            SYNC_FILE_RANGE_WRITE);
    flushed_ = offset_;
  }
  return {};
}

Status PackWriter::begin(PyramidInfo const& info) {
  info_ = info;
  geometry_ = std::make_unique<Geometry>(info.width, info.height, info.tile_size);
  index_.assign(geometry_->tile_count(), {0, 0});
  level_tiles_.assign(static_cast<std::size_t>(geometry_->level_count()), 0);
  tmp_ = path_;
  tmp_ += ".tmp-" + random_hex(6);
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd_ < 0) return io_error("create " + tmp_.filename().string(), errno);
  return write_all(kMagic, sizeof kMagic);
}

Status PackWriter::put(int level, std::uint32_t col, std::uint32_t row,
                       std::span<unsigned char const> bytes) {
  index_[geometry_->tile_index(level, col, row)] = {offset_, static_cast<std::uint32_t>(bytes.size())};
  ++level_tiles_[static_cast<std::size_t>(level)];
  return write_all(bytes.data(), bytes.size());
}

Status PackWriter::put_data(int level, std::uint32_t col, std::uint32_t row,
                            std::span<unsigned char const> bytes) {
  if (data_index_.empty()) data_index_.assign(geometry_->tile_count(), {0, 0});
  data_index_[geometry_->tile_index(level, col, row)] = {offset_, static_cast<std::uint32_t>(bytes.size())};
  return write_all(bytes.data(), bytes.size());
}

Status PackWriter::put_values(std::uint32_t col, std::uint32_t row, int bands, char const* encoding,
                              std::span<unsigned char const> bytes) {
  value_encoding_ = encoding;
  int const top = geometry_->max_level();
  if (values_index_.empty())
    values_index_.assign(std::size_t{geometry_->cols(top)} * geometry_->rows(top), {0, 0});
  value_bands_ = bands;
  values_index_[std::size_t{row} * geometry_->cols(top) + col] = {offset_,
                                                                  static_cast<std::uint32_t>(bytes.size())};
  return write_all(bytes.data(), bytes.size());
}

Status PackWriter::put_preview(std::span<unsigned char const> bytes) {
  preview_ = {offset_, bytes.size()};
  return write_all(bytes.data(), bytes.size());
}

namespace {
std::vector<unsigned char> encode_index(std::vector<std::pair<std::uint64_t, std::uint32_t>> const& entries) {
  std::vector<unsigned char> index(entries.size() * kEntry);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    put_u64(&index[i * kEntry], entries[i].first);
    put_u32(&index[i * kEntry + 8], entries[i].second);
  }
  return index;
}
}  // namespace

Result<std::vector<std::uint32_t>> PackWriter::checkpoint(std::filesystem::path const& live) {
  std::vector<std::uint32_t> rows(level_tiles_.size());
  boost::json::array rows_json;
  for (std::size_t l = 0; l < rows.size(); ++l) {
    rows[l] = static_cast<std::uint32_t>(level_tiles_[l] / geometry_->cols(static_cast<int>(l)));
    rows_json.push_back(rows[l]);
  }
  boost::json::object meta_json{{"pack", tmp_.filename().string()}, {"width", info_.width},
                                {"height", info_.height},           {"tile_size", info_.tile_size},
                                {"format", info_.format},           {"tile_rows", std::move(rows_json)}};
  // Written first when the source had an overview (ADR 0036): a viewer draws it under the tiles.
  if (preview_.second) meta_json["preview"] = {{"offset", preview_.first}, {"size", preview_.second}};
  std::string meta = boost::json::serialize(meta_json);
  unsigned char head[kLiveHead];
  std::memcpy(head, kLiveMagic, sizeof kLiveMagic);
  put_u64(head + 8, offset_);
  put_u32(head + 16, static_cast<std::uint32_t>(meta.size()));
  auto index = encode_index(index_);
  // Written aside and renamed over the last one, so a reader sees one whole snapshot or the other.
  auto tmp = live;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return io_error("create " + tmp.filename().string(), errno);
  auto write_out = [fd](void const* data, std::size_t size) {
    auto const* p = static_cast<char const*>(data);
    while (size > 0) {
      ssize_t n = ::write(fd, p, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return false;
      p += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  };
  bool const ok = write_out(head, sizeof head) && write_out(meta.data(), meta.size()) &&
                  write_out(index.data(), index.size());
  int const err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), live.c_str()) != 0) {
    int const e = ok ? errno : err;
    ::unlink(tmp.c_str());
    return io_error("write " + live.filename().string(), e);
  }
  return rows;
}

Status PackWriter::commit() {
  // The data index lies in the tile area, so the footer and old readers are unchanged (ADR 0024).
  std::uint64_t data_index_offset = offset_;
  if (!data_index_.empty()) {
    auto index = encode_index(data_index_);
    if (auto s = write_all(index.data(), index.size()); !s) return s;
  }
  std::uint64_t values_index_offset = offset_;
  if (!values_index_.empty()) {
    auto index = encode_index(values_index_);
    if (auto s = write_all(index.data(), index.size()); !s) return s;
  }
  std::uint64_t index_offset = offset_;
  auto index = encode_index(index_);
  if (auto s = write_all(index.data(), index.size()); !s) return s;
  boost::json::object meta{{"width", info_.width},
                           {"height", info_.height},
                           {"tile_size", info_.tile_size},
                           {"format", info_.format},
                           {"levels", geometry_->level_count()}};
  if (!info_.metadata_json.empty()) meta["meta"] = boost::json::parse(info_.metadata_json);
  if (preview_.second) meta["preview"] = {{"offset", preview_.first}, {"size", preview_.second}};
  if (!data_index_.empty()) {
    meta["data"] = {
        {"index_offset", data_index_offset}, {"tiles", data_index_.size()}, {"encoding", kDataEncoding}};
  }
  if (!values_index_.empty()) {
    meta["values"] = {{"index_offset", values_index_offset},
                      {"tiles", values_index_.size()},
                      {"encoding", value_encoding_},
                      {"bands", value_bands_}};
  }
  std::string meta_text = boost::json::serialize(meta);
  std::uint64_t meta_offset = offset_;
  if (auto s = write_all(meta_text.data(), meta_text.size()); !s) return s;
  unsigned char footer[kFooter];
  put_u64(footer, index_offset);
  put_u64(footer + 8, index_.size());
  put_u64(footer + 16, meta_offset);
  put_u32(footer + 24, static_cast<std::uint32_t>(meta_text.size()));
  std::memcpy(footer + 28, kEnd, 4);
  if (auto s = write_all(footer, sizeof footer); !s) return s;
  if (::fsync(fd_) != 0) return io_error("fsync", errno);
  ::close(fd_);
  fd_ = -1;
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) return io_error("rename", errno);
  committed_ = true;
  return {};
}

PackReader::~PackReader() {
  if (map_) ::munmap(const_cast<char*>(map_), map_size_);
}

Result<std::unique_ptr<PackReader>> PackReader::open(std::filesystem::path const& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::not_found, "Pyramid not found");
  struct Close {
    int fd;
    ~Close() { ::close(fd); }  // the mapping keeps the file
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return corrupt("stat failed");
  auto size = static_cast<std::uint64_t>(st.st_size);
  auto r =
      parse([fd](void* buf, std::size_t n, std::uint64_t off) { return pread_all(fd, buf, n, off); }, size);
  if (!r) return r.error();
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED)
    return make_error(ErrorCode::internal, "Cannot map the pyramid", std::strerror(errno));
  (*r)->map_ = static_cast<char const*>(map);
  (*r)->map_size_ = size;
  return r;
}

Result<std::unique_ptr<PackReader>> PackReader::parse_snapshot(std::string_view text, std::uint64_t* readable,
                                                               std::string* pack_name) {
  if (text.size() < kLiveHead) return corrupt("short snapshot");
  auto const* head = reinterpret_cast<unsigned char const*>(text.data());
  if (std::memcmp(head, kLiveMagic, sizeof kLiveMagic) != 0) return corrupt("not a pyramid snapshot");
  *readable = get_u64(head + 8);
  std::uint32_t const meta_size = get_u32(head + 16);
  if (meta_size > text.size() - kLiveHead) return corrupt("short snapshot metadata");
  boost::system::error_code ec;
  auto meta = boost::json::parse(text.substr(kLiveHead, meta_size), ec);
  if (ec || !meta.is_object()) return corrupt("bad snapshot metadata");
  std::unique_ptr<PackReader> r(new PackReader());
  try {
    auto const& m = meta.as_object();
    *pack_name = std::string(m.at("pack").as_string());
    r->info_.width = static_cast<std::uint32_t>(m.at("width").to_number<std::uint64_t>());
    r->info_.height = static_cast<std::uint32_t>(m.at("height").to_number<std::uint64_t>());
    r->info_.tile_size = static_cast<std::uint32_t>(m.at("tile_size").to_number<std::uint64_t>());
    r->info_.format = std::string(m.at("format").as_string());
    r->geometry_ = std::make_unique<Geometry>(r->info_.width, r->info_.height, r->info_.tile_size);
    if (auto const* p = m.if_contains("preview"))
      r->preview_ = {p->at("offset").to_number<std::uint64_t>(), p->at("size").to_number<std::uint64_t>()};
  } catch (std::exception const& e) {
    return corrupt(std::string("bad snapshot metadata: ") + e.what());
  }
  // The pack lies beside the snapshot: a bare file name, nothing that leaves the directory.
  if (pack_name->empty() || *pack_name == "." || *pack_name == ".." ||
      pack_name->find('/') != std::string::npos)
    return corrupt("bad pack name in the snapshot");
  std::uint64_t const count = r->geometry_->tile_count();
  std::size_t const index_bytes = text.size() - kLiveHead - meta_size;
  if (index_bytes % kEntry != 0 || index_bytes / kEntry != count)
    return corrupt("snapshot index does not match the geometry");
  if (*readable < sizeof kMagic) return corrupt("snapshot of an empty pack");
  auto const* index = head + kLiveHead + meta_size;
  r->index_.resize(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    auto off = get_u64(&index[i * kEntry]);
    auto len = get_u32(&index[i * kEntry + 8]);
    if (len && (off < sizeof kMagic || len > *readable || off > *readable - len))
      return corrupt("snapshot tile outside the written part");
    r->index_[i] = {off, len};
  }
  auto const [preview_offset, preview_size] = r->preview_;
  if (preview_size && (preview_offset < sizeof kMagic || preview_size > *readable ||
                       preview_offset > *readable - preview_size || preview_size > (64u << 20)))
    return corrupt("snapshot preview outside the written part");
  return r;
}

int open_child_file(std::filesystem::path const& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return -1;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    errno = EINVAL;
    return -1;
  }
  return fd;
}

namespace {

// Reads of a file by pread on a descriptor the reader shares: a file another process may still
// truncate is never mapped (a read past its end would be SIGBUS in the server), and a short read is
// an error.
PackReader::ReadAt pread_reader(int fd) {
  auto held = std::shared_ptr<int>(new int(fd), [](int* p) {
    ::close(*p);
    delete p;
  });
  return [held](void* buf, std::size_t n, std::uint64_t offset) { return pread_all(*held, buf, n, offset); };
}

}  // namespace

Result<PackReader::Snapshot> PackReader::read_snapshot(std::filesystem::path const& live) {
  int fd = open_child_file(live);
  if (fd < 0) {
    if (errno == ENOENT) return make_error(ErrorCode::not_found, "No snapshot");
    return corrupt("the snapshot is not a regular file");
  }
  struct Close {
    int fd;
    ~Close() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  // At most an index of 2^26 tiles (a 2-gigapixel image has 43,000 of 256 px).
  if (::fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(kLiveHead) || st.st_size > (1 << 30))
    return corrupt("bad snapshot size");
  Snapshot snap;
  snap.bytes.resize(static_cast<std::size_t>(st.st_size));
  if (!pread_all(fd, snap.bytes.data(), snap.bytes.size(), 0)) return corrupt("short snapshot");
  auto parsed = parse_snapshot(snap.bytes, &snap.readable, &snap.pack_name);
  if (!parsed) return parsed.error();
  // Only the name PackWriter gives its temporary file beside this snapshot's pack: the child does
  // not choose which file of the directory its readers open.
  auto const prefix = live.stem().string() + ".tmp-";  // "v3-….pack.live" → "v3-….pack.tmp-"
  auto const suffix = std::string_view(snap.pack_name).substr(std::min(prefix.size(), snap.pack_name.size()));
  if (!snap.pack_name.starts_with(prefix) || suffix.size() != 12 ||
      suffix.find_first_not_of("0123456789abcdef") != std::string_view::npos)
    return corrupt("unexpected pack name in the snapshot");
  return snap;
}

Result<std::unique_ptr<PackReader>> PackReader::open_live(std::filesystem::path const& live) {
  // Read by pread, never mapped: the child that writes the file may still change it (a read past a
  // truncated end would be SIGBUS). Once it has committed (renamed its temporary file) since the
  // snapshot, the finished pack is read the same way, for the same reason.
  auto finished = [&live]() -> Result<std::unique_ptr<PackReader>> {
    auto path = live;
    path.replace_extension();  // "v3-….pack.live" → "v3-….pack"
    int fd = open_child_file(path);
    if (fd < 0) return make_error(ErrorCode::not_found, "Pyramid not found");
    auto read = pread_reader(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) return corrupt("stat failed");
    return open_remote(std::move(read), static_cast<std::uint64_t>(st.st_size));
  };
  auto snap = read_snapshot(live);
  if (!snap) return snap.error().code == ErrorCode::not_found ? finished() : snap.error();
  int pack_fd = open_child_file(live.parent_path() / snap->pack_name);
  if (pack_fd < 0) return errno == ENOENT ? finished() : corrupt("the pack is not a regular file");
  auto read = pread_reader(pack_fd);
  struct stat st {};
  if (::fstat(pack_fd, &st) != 0 || static_cast<std::uint64_t>(st.st_size) < snap->readable)
    return corrupt("the pack is shorter than its snapshot");
  char magic[sizeof kMagic];
  if (!read(magic, sizeof magic, 0) || std::memcmp(magic, kMagic, sizeof magic) != 0)
    return corrupt("not an AstroPixel pack");
  return open_live_remote(snap->bytes, std::move(read), snap->readable);
}

Result<std::unique_ptr<PackReader>> PackReader::open_live_remote(std::string_view snapshot, ReadAt read,
                                                                 std::uint64_t available,
                                                                 std::shared_ptr<TileCache> cache,
                                                                 std::string name) {
  std::uint64_t readable = 0;
  std::string pack_name;
  auto r = parse_snapshot(snapshot, &readable, &pack_name);
  if (!r) return r.error();
  if (readable > available) return corrupt("snapshot beyond the bytes uploaded");
  (*r)->read_ = std::move(read);
  (*r)->cache_ = std::move(cache);
  (*r)->name_ = std::move(name);
  return r;
}

Result<std::unique_ptr<PackReader>> PackReader::open_remote(ReadAt read, std::uint64_t size,
                                                            std::shared_ptr<TileCache> cache,
                                                            std::string name) {
  // The footer, metadata and indexes are read once and kept parsed: they bypass the cache.
  auto r = parse(read, size);
  if (!r) return r.error();
  (*r)->read_ = std::move(read);
  (*r)->cache_ = std::move(cache);
  (*r)->name_ = std::move(name);
  return r;
}

Result<std::unique_ptr<PackReader>> PackReader::parse(ReadAt const& read, std::uint64_t size) {
  std::unique_ptr<PackReader> r(new PackReader());
  char magic[8];
  unsigned char footer[kFooter];
  if (size < sizeof magic + kFooter || !read(magic, sizeof magic, 0) ||
      std::memcmp(magic, kMagic, sizeof magic) != 0 || !read(footer, kFooter, size - kFooter) ||
      std::memcmp(footer + 28, kEnd, 4) != 0) {
    return corrupt("not an AstroPixel pack");
  }
  std::uint64_t index_offset = get_u64(footer), count = get_u64(footer + 8),
                meta_offset = get_u64(footer + 16);
  std::uint32_t meta_size = get_u32(footer + 24);
  // Every offset is checked against the file before it is trusted.
  if (count > (size / kEntry) || index_offset + count * kEntry != meta_offset ||
      meta_offset + meta_size + kFooter != size) {
    return corrupt("inconsistent footer");
  }
  std::uint64_t data_offset = 0, data_count = 0, values_offset = 0, values_count = 0;
  std::string meta_text(meta_size, '\0');
  if (!read(meta_text.data(), meta_size, meta_offset)) return corrupt("short metadata");
  boost::system::error_code ec;
  auto meta = boost::json::parse(meta_text, ec);
  if (ec || !meta.is_object()) return corrupt("bad metadata");
  auto const& m = meta.as_object();
  try {
    r->info_.width = static_cast<std::uint32_t>(m.at("width").to_number<std::uint64_t>());
    r->info_.height = static_cast<std::uint32_t>(m.at("height").to_number<std::uint64_t>());
    r->info_.tile_size = static_cast<std::uint32_t>(m.at("tile_size").to_number<std::uint64_t>());
    r->info_.format = std::string(m.at("format").as_string());
    if (auto const* extra = m.if_contains("meta")) r->info_.metadata_json = boost::json::serialize(*extra);
    if (auto const* p = m.if_contains("preview")) {
      r->preview_ = {p->at("offset").to_number<std::uint64_t>(), p->at("size").to_number<std::uint64_t>()};
    }
    if (auto const* d = m.if_contains("data")) {
      data_offset = d->at("index_offset").to_number<std::uint64_t>();
      data_count = d->at("tiles").to_number<std::uint64_t>();
      if (d->at("encoding").as_string() != kDataEncoding) return corrupt("unknown data encoding");
    }
    if (auto const* d = m.if_contains("values")) {
      values_offset = d->at("index_offset").to_number<std::uint64_t>();
      values_count = d->at("tiles").to_number<std::uint64_t>();
      auto bands = d->at("bands").to_number<std::int64_t>();
      auto encoding = parse_value_encoding(d->at("encoding").as_string());
      if (!encoding) return corrupt("unknown values encoding");
      r->value_encoding_ = *encoding;
      if (bands < 1 || bands > 4) return corrupt("bad value bands");
      r->value_bands_ = static_cast<int>(bands);
    }
    r->geometry_ = std::make_unique<Geometry>(r->info_.width, r->info_.height, r->info_.tile_size);
  } catch (std::exception const& e) {
    return corrupt(std::string("bad metadata: ") + e.what());
  }
  if (r->geometry_->tile_count() != count) return corrupt("index does not match the geometry");
  // Overflow-safe range checks: every byte a reader may touch lies inside the tile area.
  auto in_data_area = [index_offset](std::uint64_t off, std::uint64_t len) {
    return off >= sizeof magic && len <= index_offset && off <= index_offset - len;
  };
  if (r->preview_.second && !in_data_area(r->preview_.first, r->preview_.second)) {
    return corrupt("preview outside the data area");
  }
  std::vector<unsigned char> index(count * kEntry);
  if (!read(index.data(), index.size(), index_offset)) return corrupt("short index");
  r->index_.resize(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    auto off = get_u64(&index[i * kEntry]);
    auto len = get_u32(&index[i * kEntry + 8]);
    if (len && !in_data_area(off, len)) return corrupt("tile outside the data area");
    r->index_[i] = {off, len};
  }
  if (data_count) {
    if (data_count != count || data_count > index_offset / kEntry ||
        !in_data_area(data_offset, data_count * kEntry)) {
      return corrupt("data index outside the data area");
    }
    std::vector<unsigned char> data_index(data_count * kEntry);
    if (!read(data_index.data(), data_index.size(), data_offset)) return corrupt("short data index");
    r->data_index_.resize(data_count);
    for (std::uint64_t i = 0; i < data_count; ++i) {
      auto off = get_u64(&data_index[i * kEntry]);
      auto len = get_u32(&data_index[i * kEntry + 8]);
      if (len && !in_data_area(off, len)) return corrupt("data tile outside the data area");
      r->data_index_[i] = {off, len};
    }
  }
  if (values_count) {
    int const top = r->geometry_->max_level();
    if (values_count != std::uint64_t{r->geometry_->cols(top)} * r->geometry_->rows(top) ||
        !in_data_area(values_offset, values_count * kEntry)) {
      return corrupt("values index outside the data area");
    }
    std::vector<unsigned char> values_index(values_count * kEntry);
    if (!read(values_index.data(), values_index.size(), values_offset)) return corrupt("short values index");
    r->values_index_.resize(values_count);
    for (std::uint64_t i = 0; i < values_count; ++i) {
      auto off = get_u64(&values_index[i * kEntry]);
      auto len = get_u32(&values_index[i * kEntry + 8]);
      if (len && !in_data_area(off, len)) return corrupt("value tile outside the data area");
      r->values_index_[i] = {off, len};
    }
  } else {
    r->value_bands_ = 0;
  }
  return r;
}

Result<std::pair<std::uint64_t, std::uint32_t>> PackReader::locate(int level, std::uint32_t col,
                                                                   std::uint32_t row) const {
  auto const& g = *geometry_;
  if (level < 0 || level > g.max_level() || col >= g.cols(level) || row >= g.rows(level)) {
    return make_error(ErrorCode::not_found, "Tile not found");
  }
  auto entry = index_[g.tile_index(level, col, row)];
  if (entry.second == 0) return make_error(ErrorCode::not_found, "Tile not found");
  return entry;
}

Result<std::vector<unsigned char>> PackReader::read_range(std::uint64_t offset, std::size_t size) const {
  if (map_) {
    std::vector<unsigned char> out(size);
    std::memcpy(out.data(), map_ + offset, size);
    return out;
  }
  if (!cache_) {
    std::vector<unsigned char> out(size);
    if (!read_(out.data(), size, offset))
      return make_error(ErrorCode::unavailable, "Cannot read the pyramid");
    return out;
  }
  // A copy of a cached range: these callers decode it at once, and a copy costs far less than a GET.
  auto shared = read_shared(offset, size);
  if (!shared) return shared.error();
  return std::vector<unsigned char>(**shared);
}

Result<TileCache::Bytes> PackReader::read_shared(std::uint64_t offset, std::size_t size) const {
  if (cache_) {
    if (auto hit = cache_->get(name_, offset, size)) return hit;
  }
  auto out = std::make_shared<std::vector<unsigned char>>(size);
  if (!read_(out->data(), size, offset)) return make_error(ErrorCode::unavailable, "Cannot read the pyramid");
  // Two requests missing the same range at once both read it; the first kept wins. Rare, and
  // cheaper than making the second wait on the first's GET under a lock.
  TileCache::Bytes bytes = std::move(out);
  if (cache_) cache_->put(name_, offset, bytes);
  return bytes;
}

TileCache::Bytes PackReader::cached_tile(int level, std::uint32_t col, std::uint32_t row) const {
  if (map_ || !cache_) return nullptr;
  auto where = locate(level, col, row);
  if (!where) return nullptr;
  return cache_->get(name_, where->first, where->second, /*count_miss=*/false);
}

Result<TileCache::Bytes> PackReader::shared_tile(int level, std::uint32_t col, std::uint32_t row) const {
  if (map_)
    return make_error(ErrorCode::internal, "The pyramid is mapped", "use tile_bytes() for local packs");
  auto where = locate(level, col, row);
  if (!where) return where.error();
  return read_shared(where->first, where->second);
}

Result<std::vector<unsigned char>> PackReader::preview() const {
  if (!preview_.second) return make_error(ErrorCode::not_found, "No preview");
  return read_range(preview_.first, static_cast<std::size_t>(preview_.second));
}

Result<std::span<char const>> PackReader::tile_bytes(int level, std::uint32_t col, std::uint32_t row) const {
  if (!map_)
    return make_error(ErrorCode::internal, "The pyramid is not mapped", "use tile() for remote packs");
  auto where = locate(level, col, row);
  if (!where) return where.error();
  return std::span<char const>(map_ + where->first, where->second);
}

Result<std::vector<unsigned char>> PackReader::data_tile(int level, std::uint32_t col,
                                                         std::uint32_t row) const {
  auto const& g = *geometry_;
  if (data_index_.empty() || level < 0 || level > g.max_level() || col >= g.cols(level) ||
      row >= g.rows(level)) {
    return make_error(ErrorCode::not_found, "Data tile not found");
  }
  auto entry = data_index_[g.tile_index(level, col, row)];
  if (entry.second == 0) return make_error(ErrorCode::not_found, "Data tile not found");
  return read_range(entry.first, entry.second);
}

Result<std::vector<unsigned char>> PackReader::value_tile(std::uint32_t col, std::uint32_t row) const {
  auto const& g = *geometry_;
  int const top = g.max_level();
  if (values_index_.empty() || col >= g.cols(top) || row >= g.rows(top)) {
    return make_error(ErrorCode::not_found, "Value tile not found");
  }
  auto entry = values_index_[std::size_t{row} * g.cols(top) + col];
  if (entry.second == 0) return make_error(ErrorCode::not_found, "Value tile not found");
  return read_range(entry.first, entry.second);
}

Result<std::vector<unsigned char>> PackReader::tile(int level, std::uint32_t col, std::uint32_t row) const {
  auto where = locate(level, col, row);
  if (!where) return where.error();
  return read_range(where->first, where->second);
}

}  // namespace astropixel::pyramid
