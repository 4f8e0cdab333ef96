#pragma once
// The one read path of every tile protocol (Deep Zoom, XYZ, IIIF): a request's dataset, version and
// access are resolved here once, and here live the ETag and cache headers and the tile bytes. The
// protocol adapters (deep_zoom, xyz, iiif) only parse their URLs, render their descriptors and
// build their client URLs.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/policy.hpp"
#include "auth/viewer_links.hpp"
#include "core/error.hpp"
#include "http/blocking.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "tiles/decoded_tile_cache.hpp"
#include "tiles/iiif_request.hpp"
#include "tiles/render_cache.hpp"
#include "tiles/tile_address.hpp"
#include "tiles/tile_directory.hpp"

namespace astropixel::tiles {

// A pyramid a caller may see, and whether the URL named its version (then its answers never change).
struct View {
  std::shared_ptr<Published const> entry;
  bool versioned = false;
  // The version still building (entry->building), not the published one.
  bool building = false;
  // Seen through a link for other viewers (auth/viewer_links.hpp), not by the caller's own right:
  // readable by any origin, never kept by a shared cache.
  bool linked = false;
  // Whether any origin may read the answers (public, or through a link): viewers of IIIF and HiPS
  // run on other sites.
  bool open_to_any_origin() const;
  pyramid::PackReader const& pack() const { return building ? *entry->building : *entry->pack; }
  int version() const { return building ? entry->building_version : entry->version; }
};

// Whether a versioned URL may name a version still building (ADR 0034): only Deep Zoom's descriptor
// and tiles, which the viewer asks for tile by tile as they are written, and the preview, which a
// build writes first where it can (ADR 0036). Everything else (IIIF renders, data and value tiles,
// HiPS) waits for the published pyramid.
enum class Building { hidden, shown };

// A link for other viewers as a request carried it, and what checks it (links are refused without).
struct LinkGrant {
  auth::ViewerLink const& link;
  auth::LinkSigner const* signer = nullptr;
};

// What TileService::resolve decides, for a caller already on the blocking pool (an endpoint
// handler): may block on the directory's load.
Result<View> resolve_view(TileDirectory& directory, std::optional<auth::Principal> const& who,
                          std::string const& id, std::optional<std::int64_t> version,
                          Building building = Building::hidden, std::optional<LinkGrant> grant = {});

// Render threads when IIIF_RENDER_THREADS is 0: one per core, at most 8 (each render may hold
// ~150 MB, and hardware_concurrency() sees the host's cores, not a container's CPU quota).
std::size_t default_render_threads();

// How much of the render pool's queue a render of `pixels` (tiles::render_pixels) takes, in
// http::BlockingPool weight units: a megapixel one place, at least an eighth, at most four.
std::size_t render_weight(std::uint64_t pixels);

class TileService {
 public:
  // `renders` draws IIIF regions (see region()); the caller owns it so that it can be joined
  // before the I/O contexts its completions go to are gone. Without one the service makes its own
  // (default_render_threads(), 8 waiting per thread). Renders keep the tiles they decode in
  // `decoded_tiles` when given (region_renderer.hpp). `links` checks links for other viewers; without
  // it, every link is refused.
  TileService(TileDirectory& directory, http::BlockingPool& blocking, http::BlockingPool* renders = nullptr,
              std::shared_ptr<DecodedTileCache> decoded_tiles = nullptr,
              std::shared_ptr<auth::LinkSigner const> links = nullptr);

  // The live pyramid of `id` (the one named by `version` when given: an older version is gone).
  // Errors: not_found for a dataset that is missing, not built, not visible to `who` or not at that
  // version (one answer, so the reply reveals nothing); unavailable (with Retry-After) while a
  // pyramid is being replaced. With `link`, the link alone decides (not `who`): signed for this
  // dataset at its current epoch and not expired, or not_found like a missing dataset.
  http::asio::awaitable<Result<View>> resolve(std::optional<auth::Principal> const& who,
                                              std::string const& id, std::optional<std::int64_t> version,
                                              Building building = Building::hidden,
                                              auth::ViewerLink const* link = nullptr);
  auth::LinkSigner const* links() const { return links_.get(); }

  // Sets ETag ("{id}.{version}.{what}") and Cache-Control; true when the client's copy is current
  // (the response is then a 304 to send as is).
  static bool not_modified(http::Request const& req, http::Response& res, View const& v,
                           std::string_view what);

  // One pre-cut tile: 304, or its bytes without a copy (from a mapped pack, or for a pack in an
  // object store from the remote tile cache, on the calling thread when it holds the tile). Of a
  // version still building, a tile not written yet is looked for once more in a newer snapshot
  // when the one at hand is older than 20 ms (written since, seen by another instance), and in the
  // published pack when the build has published meanwhile.
  // Errors: not_found, unavailable.
  http::asio::awaitable<Result<http::Response>> tile(http::Request const& req, View const& v, TileAddress at);
  // The pyramid's preview image; of a version still building, looked for again as a tile is.
  // Errors: not_found.
  http::asio::awaitable<Result<http::Response>> preview(http::Request const& req, View const& v);

  // An IIIF image drawn from the tiles (region_renderer.hpp), through a memory cache of answers.
  // Drawing is CPU work whose size the client chooses, so it has a pool of its own, one thread per
  // core: a flood of renders neither takes the threads database work runs on nor holds more than
  // its threads x one render's memory (region_renderer.hpp: under ~150 MB). A bounded number wait
  // (IIIF_RENDER_QUEUE per thread); past that the answer is 503 with Retry-After 1. Errors: as
  // render_region, and unavailable (busy).
  http::asio::awaitable<Result<http::Response>> region(http::Request const& req, View const& v,
                                                       iiif::ImageRequest const& image);

  // A file of the pyramid version's HiPS (ADR 0030; `path` as hips_layout's served_file accepts it),
  // read from the blob store off the I/O threads. Errors: not_found (no HiPS, or no such file).
  http::asio::awaitable<Result<http::Response>> hips_file(http::Request const& req, View const& v,
                                                          std::string const& path);

  // All of that HiPS as a ustar archive (hips_archive.hpp): 200 with the whole, or 206 for one byte
  // range (If-Range honoured), ETag as for its files. Errors: not_found (no HiPS).
  http::asio::awaitable<Result<http::Response>> hips_archive(http::Request const& req, View const& v);

  http::BlockingPool& blocking() { return blocking_; }
  TileDirectory& directory() { return directory_; }

 private:
  // A view of a version still building, read again when its snapshot is older than 20 ms: the
  // directory's newer entry of the same build, or that build's published pack (the same bytes).
  http::asio::awaitable<View> fresher(View v);
  TileDirectory& directory_;
  http::BlockingPool& blocking_;
  std::unique_ptr<http::BlockingPool> own_renders_;
  http::BlockingPool* renders_;
  std::shared_ptr<RenderCache> cache_ = std::make_shared<RenderCache>(64 * 1024 * 1024);
  std::shared_ptr<DecodedTileCache> decoded_tiles_;
  std::shared_ptr<auth::LinkSigner const> links_;
};

}  // namespace astropixel::tiles
