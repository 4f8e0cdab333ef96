#include "tiles/tile_service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "datasets/access.hpp"
#include "http/range.hpp"
#include "pyramid/hips_layout.hpp"
#include "tiles/hips_archive.hpp"
#include "tiles/page_residency.hpp"
#include "tiles/region_renderer.hpp"

namespace astropixel::tiles {

namespace bhttp = boost::beast::http;

namespace {

Error not_found() {
  return make_error(ErrorCode::not_found, "Not found");
}

// Versioned URLs never change content: browsers keep them for a year. Shared caches (CDNs, proxies)
// keep a public dataset's for an hour only (s-maxage), so one that turns private stops being served
// by them within the hour rather than a year.
std::string_view cache_control(View const& v) {
  // Through a link, even a public dataset's answer is private: the URL is a secret.
  bool is_public = v.entry->owned.visibility == auth::Visibility::public_ && !v.linked;
  if (v.versioned)
    return is_public ? "public, max-age=31536000, s-maxage=3600, immutable"
                     : "private, max-age=31536000, immutable";
  return is_public ? "public, max-age=60" : "private, max-age=60";
}

}  // namespace

namespace {

bool needs_load(std::shared_ptr<Published const> const& entry, std::optional<std::int64_t> version,
                Building building) {
  if (!entry) return true;
  if (!version) return false;
  bool const looked_lately =
      std::chrono::steady_clock::now() - entry->loaded <= std::chrono::milliseconds(20);
  // A versioned URL newer than the cached entry means the cache is behind: look again, at most every
  // 20 ms per entry (a version that does not exist, asked in a loop, would otherwise cost a database
  // read per request).
  if (*version > std::max(entry->version, entry->building_version)) return !looked_lately;
  // The version the entry knows as building, asked where only a published version answers (the
  // viewer's first data requests right after the status said "completed"): it may have published
  // since. Looked for again at most every 20 ms per entry, so a client asking for a build's IIIF
  // image in a loop costs the database little.
  return building == Building::hidden && *version == entry->building_version && *version > entry->version &&
         !looked_lately;
}

Result<View> decide(Result<std::shared_ptr<Published const>> loaded,
                    std::optional<auth::Principal> const& who, std::optional<std::int64_t> version,
                    Building building, std::optional<LinkGrant> grant) {
  if (!loaded) {
    if (loaded.error().code == ErrorCode::unavailable) {
      Error e = loaded.error();
      e.retry_after_s = 1;
      return e;
    }
    // Missing, not yet built or not visible: one answer, so the reply reveals nothing.
    if (loaded.error().code == ErrorCode::not_found) return not_found();
    return loaded.error();
  }
  auto const& entry = *loaded;
  if (grant) {
    // The link alone decides, whoever carries it: its answers must be the same for any client.
    auto const now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    if (!grant->signer || !grant->signer->verify(entry->dataset_id, grant->link, entry->link_epoch, now))
      return not_found();
  } else if (auto s = datasets::check_access(who, entry->owned, datasets::Need::read); !s) {
    return not_found();
  }
  bool const linked = grant.has_value();
  if (building == Building::shown && version && entry->building && *version == entry->building_version)
    return View{entry, true, true, linked};
  if (!entry->pack || (version && *version != entry->version)) return not_found();
  return View{entry, version.has_value(), false, linked};
}

}  // namespace

bool View::open_to_any_origin() const {
  return linked || entry->owned.visibility == auth::Visibility::public_;
}

std::size_t render_weight(std::uint64_t pixels) {
  // A megapixel, of tiles decoded and pixels drawn, takes one place of the render pool (a 1024²
  // answer from its level, the usual large request, about 2.6); a tile-sized render (a viewer asking
  // for tiles in another format) an eighth, so a few viewers' tiles are drawn where a few large
  // renders would fill the queue; the largest four places, so no single render shuts the pool (an
  // idle pool admits it anyway).
  constexpr std::uint64_t kPixelsPerPlace = 1u << 20;
  auto const slot = http::BlockingPool::kSlot;
  return static_cast<std::size_t>(
      std::clamp<std::uint64_t>(pixels * slot / kPixelsPerPlace, slot / 8, 4 * slot));
}

std::size_t default_render_threads() {
  return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
}

TileService::TileService(TileDirectory& directory, http::BlockingPool& blocking, http::BlockingPool* renders,
                         std::shared_ptr<DecodedTileCache> decoded_tiles,
                         std::shared_ptr<auth::LinkSigner const> links)
    : directory_(directory),
      blocking_(blocking),
      renders_(renders),
      decoded_tiles_(std::move(decoded_tiles)),
      links_(std::move(links)) {
  if (!renders_) {
    own_renders_ =
        std::make_unique<http::BlockingPool>(default_render_threads(), 8 * default_render_threads());
    renders_ = own_renders_.get();
  }
}

http::asio::awaitable<Result<View>> TileService::resolve(std::optional<auth::Principal> const& who,
                                                         std::string const& id,
                                                         std::optional<std::int64_t> version,
                                                         Building building, auth::ViewerLink const* link) {
  std::optional<LinkGrant> grant;
  if (link) grant.emplace(LinkGrant{*link, links_.get()});
  auto entry = directory_.peek(id);
  if (!needs_load(entry, version, building)) co_return decide(entry, who, version, building, grant);
  auto* dir = &directory_;
  auto load = [dir, &id] { return dir->load(id); };
  co_return decide(co_await blocking_.run(load), who, version, building, grant);
}

Result<View> resolve_view(TileDirectory& directory, std::optional<auth::Principal> const& who,
                          std::string const& id, std::optional<std::int64_t> version, Building building,
                          std::optional<LinkGrant> grant) {
  auto entry = directory.peek(id);
  if (!needs_load(entry, version, building)) return decide(entry, who, version, building, grant);
  return decide(directory.load(id), who, version, building, grant);
}

bool TileService::not_modified(http::Request const& req, http::Response& res, View const& v,
                               std::string_view what) {
  // Formatted on the stack: every tile answer has one (ADR 0037, allocations per request).
  fmt::memory_buffer buf;
  fmt::format_to(std::back_inserter(buf), "\"{}.{}.{}\"", std::string_view(v.entry->dataset_id).substr(0, 8),
                 v.version(), what);
  std::string_view const etag(buf.data(), buf.size());
  res.headers.set(bhttp::field::etag, etag);
  res.headers.set(bhttp::field::cache_control, cache_control(v));
  auto inm = req.header("If-None-Match");
  if (!inm.empty() && (inm == etag || inm == "*" || inm.find(etag) != std::string_view::npos)) {
    res.status = bhttp::status::not_modified;
    return true;
  }
  return false;
}

http::asio::awaitable<View> TileService::fresher(View v) {
  if (!v.building || std::chrono::steady_clock::now() - v.entry->loaded <= std::chrono::milliseconds(20))
    co_return v;
  // Written since this snapshot was read, perhaps: take the directory's newer entry, or read the
  // row again when it has none. The viewer asks only for what its last status said exists, which
  // may be newer than this entry by any margin; a miss costs a database read at most every 20 ms
  // per entry (a miss on an entry read in the last 20 ms is a 404).
  std::string const id = v.entry->dataset_id;
  auto again = directory_.peek(id);
  if (!again || again->loaded <= v.entry->loaded) {
    auto* dir = &directory_;
    auto load = [dir, &id] { return dir->load(id); };
    auto loaded = co_await blocking_.run(load);
    again = loaded ? *loaded : nullptr;
  }
  // The same build, seen by the same rules (access was decided on the entry at hand); or that
  // build published since, whose pack holds the same bytes.
  bool const same_owner = again && again->owned.visibility == v.entry->owned.visibility &&
                          again->owned.owner_id == v.entry->owned.owner_id &&
                          (!v.linked || again->link_epoch == v.entry->link_epoch);
  if (same_owner && again->building && again->building_version == v.entry->building_version)
    v.entry = again;
  else if (same_owner && again->pack && again->version == v.entry->building_version)
    v = View{again, true, false, v.linked};
  co_return v;
}

http::asio::awaitable<Result<http::Response>> TileService::tile(http::Request const& req, View const& view,
                                                                TileAddress at) {
  View v = view;
  if (v.building && !v.pack().contains(at.level, at.col, at.row)) v = co_await fresher(v);
  auto const& pack = v.pack();
  if (!pack.contains(at.level, at.col, at.row)) co_return make_error(ErrorCode::not_found, "Tile not found");
  http::Response res;
  fmt::memory_buffer what;
  fmt::format_to(std::back_inserter(what), "{}.{}.{}", at.level, at.col, at.row);
  if (not_modified(req, res, v, std::string_view(what.data(), what.size()))) co_return res;
  res.headers.set(bhttp::field::content_type, content_type_of(pack.info().format));
  if (pack.mapped()) {
    // The pack stays mapped while the directory entry lives; the response holds the entry.
    auto bytes = pack.tile_bytes(at.level, at.col, at.row);
    if (!bytes) co_return bytes.error();
    if (!resident(*bytes)) {
      // Not in the page cache: read it in here, off the I/O thread, rather than in the socket write.
      auto read_in = [span = *bytes] {
        fault_in(span);
        return 0;
      };
      co_await blocking_.run(read_in);
    }
    res.shared = http::SharedBytes{v.entry, std::string_view(bytes->data(), bytes->size())};
    co_return res;
  }
  // In an object store: from the tile cache on this thread when it holds the tile, else one ranged
  // GET off the I/O threads (kept in the cache). Either way the answer shares the cached buffer.
  auto bytes = pack.cached_tile(at.level, at.col, at.row);
  if (!bytes) {
    auto fetch = [&pack, &at] { return pack.shared_tile(at.level, at.col, at.row); };
    auto fetched = co_await blocking_.run(fetch);
    if (!fetched && v.building) {
      // The build published and removed its pieces since this entry was read: the published pack
      // of the same version holds the same tile.
      auto* dir = &directory_;
      std::string const id = v.entry->dataset_id;
      auto load = [dir, &id] { return dir->load(id); };
      auto again = co_await blocking_.run(load);
      if (again && (*again)->pack && (*again)->version == v.entry->building_version &&
          (*again)->owned.visibility == v.entry->owned.visibility &&
          (*again)->owned.owner_id == v.entry->owned.owner_id &&
          (!v.linked || (*again)->link_epoch == v.entry->link_epoch))
        co_return co_await tile(req, View{*again, true, false, v.linked}, at);
      // Neither published nor still building (cancelled, superseded, failed, deleted): its pieces
      // are gone for good, and a 503 would have the viewer retry for ever.
      bool const gone = again ? (*again)->building_key != v.entry->building_key
                              : again.error().code == ErrorCode::not_found;
      if (gone) co_return make_error(ErrorCode::not_found, "Tile not found");
    }
    if (!fetched) co_return fetched.error();
    bytes = std::move(*fetched);
  }
  res.shared =
      http::SharedBytes{bytes, std::string_view(reinterpret_cast<char const*>(bytes->data()), bytes->size())};
  co_return res;
}

http::asio::awaitable<Result<http::Response>> TileService::preview(http::Request const& req,
                                                                   View const& view) {
  View v = view;
  if (v.building && !v.pack().has_preview()) v = co_await fresher(v);
  http::Response res;
  if (!v.pack().has_preview()) co_return make_error(ErrorCode::not_found, "No preview");
  if (not_modified(req, res, v, "preview")) co_return res;
  auto const& pack = v.pack();
  // (Not a ?: around co_await: GCC 12 destroys such a temporary twice.)
  auto read_preview = [&pack] { return pack.preview(); };
  Result<std::vector<unsigned char>> bytes = make_error(ErrorCode::internal, "unreachable");
  if (pack.mapped())
    bytes = pack.preview();
  else
    bytes = co_await blocking_.run(read_preview);
  if (!bytes) co_return bytes.error();
  res.body.assign(bytes->begin(), bytes->end());
  res.headers.set(bhttp::field::content_type, content_type_of(pack.info().format));
  co_return res;
}

http::asio::awaitable<Result<http::Response>> TileService::region(http::Request const& req, View const& v,
                                                                  iiif::ImageRequest const& image) {
  http::Response res;
  auto canonical = image.canonical();
  if (not_modified(req, res, v, canonical)) co_return res;
  auto key = fmt::format("{}/{}/{}", v.entry->dataset_id, v.entry->version, canonical);
  auto hit = cache_->get(key);
  if (!hit) {
    auto const* pack = &v.pack();
    // Renders are of published versions only (Building::hidden): a dataset and version name one pack.
    auto name = fmt::format("{}.{}", v.entry->dataset_id, v.version());
    auto draw = [pack, &image, cache = decoded_tiles_.get(), &name] {
      return render_region(*pack, image, cache, name);
    };
    auto drawn = co_await renders_->try_run(draw, render_weight(render_pixels(pack->geometry(), image)));
    if (!drawn) co_return drawn.error();
    hit = std::make_shared<Rendered const>(std::move(*drawn));
    cache_->put(key, hit);
  }
  res.headers.set(bhttp::field::content_type, hit->content_type);
  res.shared = http::SharedBytes{
      hit, std::string_view(reinterpret_cast<char const*>(hit->bytes.data()), hit->bytes.size())};
  co_return res;
}

http::asio::awaitable<Result<http::Response>> TileService::hips_file(http::Request const& req, View const& v,
                                                                     std::string const& path) {
  http::Response res;
  if (not_modified(req, res, v, "hips/" + path)) co_return res;
  auto const key =
      pyramid::hips::blob_prefix(v.entry->dataset_id, v.entry->version) + pyramid::hips::blob_name(path);
  auto& blobs = directory_.blobs();
  // A HiPS file is at most a few megabytes (a 512² FITS tile is 1 MiB; Allsky 13 MiB): read whole.
  auto read = [&blobs, &key]() -> Result<std::string> {
    auto info = blobs.stat(key);
    if (!info)
      return info.error().code == ErrorCode::not_found ? make_error(ErrorCode::not_found, "Not found")
                                                       : info.error();
    std::string out(info->size, '\0');
    std::size_t done = 0;
    while (done < out.size()) {
      auto got = blobs.read(key, done, std::span<char>(out.data() + done, out.size() - done));
      if (!got) return got.error();
      if (*got == 0) return make_error(ErrorCode::unavailable, "A HiPS file ended early", key);
      done += *got;
    }
    return out;
  };
  auto bytes = co_await blocking_.run(read);
  if (!bytes) co_return bytes.error();
  res.body = std::move(*bytes);
  res.headers.set(bhttp::field::content_type, pyramid::hips::media_type(path));
  co_return res;
}

http::asio::awaitable<Result<http::Response>> TileService::hips_archive(http::Request const& req,
                                                                        View const& v) {
  http::Response res;
  auto const top = fmt::format("hips-{}-v{}", v.entry->dataset_id, v.entry->version);
  res.headers.set(bhttp::field::content_type, "application/x-tar");
  res.headers.set(bhttp::field::content_disposition, fmt::format("attachment; filename=\"{}.tar\"", top));
  res.headers.set(bhttp::field::accept_ranges, "bytes");
  if (not_modified(req, res, v, "hips.tar")) co_return res;
  auto& blobs = directory_.blobs();
  auto const prefix = pyramid::hips::blob_prefix(v.entry->dataset_id, v.entry->version);
  auto plan = [&blobs, &prefix, &top] { return HipsArchive::plan(blobs, prefix, top); };
  auto archive = co_await blocking_.run(plan);
  if (!archive) co_return archive.error();
  auto const size = (*archive)->size();
  auto range = http::parse_range(req.header("Range"), size);
  if (auto if_range = req.header("If-Range");
      !if_range.empty() && if_range != res.headers[bhttp::field::etag])
    range = http::WholeBody{};
  if (std::holds_alternative<http::Unsatisfiable>(range))
    co_return make_error(ErrorCode::range_not_satisfiable, "Range not satisfiable",
                         fmt::format("The archive has {} bytes", size));
  http::FileRange body;
  body.length = size;
  if (auto const* br = std::get_if<http::ByteRange>(&range)) {
    res.status = bhttp::status::partial_content;
    res.headers.set(bhttp::field::content_range,
                    fmt::format("bytes {}-{}/{}", br->first, br->first + br->length - 1, size));
    body.offset = br->first;
    body.length = br->length;
  }
  body.read = [a = *archive](std::uint64_t offset, char* out, std::size_t n) {
    return a->read(offset, out, n);
  };
  res.file = std::move(body);
  co_return res;
}

}  // namespace astropixel::tiles
