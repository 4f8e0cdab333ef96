#include "api/tile_routes.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

#include "tiles/descriptors.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
using Reply = http::asio::awaitable<Result<http::Response>>;
using tiles::Published;

namespace {

Error not_found() {
  return make_error(ErrorCode::not_found, "Not found");
}

struct Resolved {
  std::shared_ptr<Published const> entry;
  bool versioned = false;
};

// Who is asking, whether they may see the dataset, and its live pyramid (the one named by
// `version` when given: an older version is gone).
http::asio::awaitable<Result<Resolved>> resolve(Authenticator& authn, tiles::TileDirectory& dir,
                                                http::Request& req, std::string const& id,
                                                std::optional<std::int64_t> version) {
  auto who = co_await authn.identify(req);
  if (!who) co_return who.error();
  std::optional<auth::Principal> principal;
  if (*who) principal = (*who)->principal;
  auto entry = dir.peek(id);
  // A versioned URL newer than the cached entry means the cache is behind: look again.
  if (!entry || (version && *version > entry->version)) {
    auto load = [&dir, &id] { return dir.load(id); };
    auto loaded = co_await authn.blocking().run(load);
    if (!loaded) {
      if (loaded.error().code == ErrorCode::unavailable) {
        Error e = loaded.error();
        e.retry_after_s = 1;
        co_return e;
      }
      // Missing, not yet built or not visible: one answer, so the reply reveals nothing.
      if (loaded.error().code == ErrorCode::not_found) co_return not_found();
      co_return loaded.error();
    }
    entry = *loaded;
  }
  if (auto s = auth::can_read(principal, entry->owned); !s) co_return not_found();
  if (version && *version != entry->version) co_return not_found();
  co_return Resolved{entry, version.has_value()};
}

// Versioned URLs never change content: browsers keep them for a year. Shared caches (CDNs, proxies)
// keep a public dataset's for an hour only (s-maxage), so one that turns private stops being served
// by them within the hour rather than a year.
std::string cache_control(Resolved const& r) {
  bool is_public = r.entry->owned.visibility == auth::Visibility::public_;
  return fmt::format("{}, max-age={}{}{}", is_public ? "public" : "private", r.versioned ? 31536000 : 60,
                     is_public && r.versioned ? ", s-maxage=3600" : "", r.versioned ? ", immutable" : "");
}

// ETag check and caching headers; true when the client's copy is current (answer 304).
bool not_modified(http::Request const& req, http::Response& res, Resolved const& r, std::string const& etag) {
  res.headers.set(bhttp::field::etag, etag);
  res.headers.set(bhttp::field::cache_control, cache_control(r));
  auto inm = req.header("If-None-Match");
  if (!inm.empty() && (inm == etag || inm == "*" || inm.find(etag) != std::string_view::npos)) {
    res.status = bhttp::status::not_modified;
    return true;
  }
  return false;
}

Reply tile_reply(Authenticator& authn, http::Request const& req, Resolved r, Result<tiles::TileAddress> at) {
  if (!at) co_return at.error();
  auto const& pack = *r.entry->pack;
  if (!pack.contains(at->level, at->col, at->row))
    co_return make_error(ErrorCode::not_found, "Tile not found");
  http::Response res;
  auto etag = fmt::format("\"{}.{}.{}.{}.{}\"", r.entry->dataset_id.substr(0, 8), r.entry->version, at->level,
                          at->col, at->row);
  if (not_modified(req, res, r, etag)) co_return res;
  res.headers.set(bhttp::field::content_type, tiles::content_type_of(pack.info().format));
  if (pack.mapped()) {
    // The pack stays mapped while the directory entry lives; the response holds the entry.
    auto bytes = pack.tile_bytes(at->level, at->col, at->row);
    if (!bytes) co_return bytes.error();
    res.shared = http::SharedBytes{r.entry, std::string_view(bytes->data(), bytes->size())};
    co_return res;
  }
  // In an object store: one ranged GET, off the I/O threads.
  auto fetch = [&pack, &at] { return pack.tile(at->level, at->col, at->row); };
  auto bytes = co_await authn.blocking().run(fetch);
  if (!bytes) co_return bytes.error();
  res.body.assign(bytes->begin(), bytes->end());
  co_return res;
}

// "abc-v3" → ("abc", 3); "abc" → ("abc", nullopt).
std::pair<std::string, std::optional<std::int64_t>> split_identifier(std::string_view ident) {
  auto dash = ident.rfind("-v");
  if (dash != std::string_view::npos && dash + 2 < ident.size()) {
    std::int64_t v = 0;
    auto digits = ident.substr(dash + 2);
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec == std::errc() && p == digits.data() + digits.size())
      return {std::string(ident.substr(0, dash)), v};
  }
  return {std::string(ident), std::nullopt};
}

std::optional<std::int64_t> version_param(http::Request const& req) {
  if (req.params.empty()) return std::nullopt;
  for (auto const& [k, v] : req.params) {
    if (k == "version") return req.param_int("version");
  }
  return std::nullopt;
}

}  // namespace

void add_tile_routes(http::Router& router, Authenticator& authn, tiles::TileDirectory& directory) {
  auto* a = &authn;
  auto* dir = &directory;
  http::RouteOptions tile_opts{.max_body = 0, .rate_policy = ""};  // tiles come in bursts of hundreds
  http::RouteOptions read{.max_body = 0, .rate_policy = "default"};

  auto dzi = [a, dir](http::Request& req) -> Reply {
    std::string id(req.param("id"));
    auto r = co_await resolve(*a, *dir, req, id, version_param(req));
    if (!r) co_return r.error();
    http::Response res;
    if (not_modified(req, res, *r, fmt::format("\"{}.{}.dzi\"", id.substr(0, 8), r->entry->version)))
      co_return res;
    auto const& pack = *r->entry->pack;
    res.body = tiles::dzi_xml(pack.geometry(), pack.info().format);
    res.headers.set(bhttp::field::content_type, "application/xml");
    co_return res;
  };
  router.add(bhttp::verb::get, "/api/datasets/{id}/image.dzi", dzi, read);
  router.add(bhttp::verb::get, "/api/datasets/{id}/v{version:int}/image.dzi", dzi, read);

  auto dz = [a, dir](http::Request& req) -> Reply {
    std::string id(req.param("id"));
    auto r = co_await resolve(*a, *dir, req, id, version_param(req));
    if (!r) co_return r.error();
    auto const& pack = *r->entry->pack;
    if (req.param("fmt") != pack.info().format) co_return not_found();
    co_return co_await tile_reply(
        *a, req, *r,
        tiles::dz_tile(pack.geometry(), req.param_int("level"), req.param_int("col"), req.param_int("row")));
  };
  router.add(bhttp::verb::get, "/api/datasets/{id}/image_files/{level:int}/{col:int}_{row:int}.{fmt}", dz,
             tile_opts);
  router.add(bhttp::verb::get,
             "/api/datasets/{id}/v{version:int}/image_files/{level:int}/{col:int}_{row:int}.{fmt}", dz,
             tile_opts);

  router.add(
      bhttp::verb::get, "/api/tiles/{id}/{z:int}/{x:int}/{y:int}.{fmt}",
      [a, dir](http::Request& req) -> Reply {
        std::string id(req.param("id"));
        std::optional<std::int64_t> version;
        if (auto v = req.query_param("v")) {
          std::int64_t n = 0;
          auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
          if (ec != std::errc() || p != v->data() + v->size()) co_return not_found();
          version = n;
        }
        auto r = co_await resolve(*a, *dir, req, id, version);
        if (!r) co_return r.error();
        auto const& pack = *r->entry->pack;
        if (req.param("fmt") != pack.info().format) co_return not_found();
        co_return co_await tile_reply(
            *a, req, *r,
            tiles::xyz_tile(pack.geometry(), req.param_int("z"), req.param_int("x"), req.param_int("y")));
      },
      tile_opts);

  auto preview = [a, dir](http::Request& req) -> Reply {
    std::string id(req.param("id"));
    auto r = co_await resolve(*a, *dir, req, id, version_param(req));
    if (!r) co_return r.error();
    http::Response res;
    if (not_modified(req, res, *r, fmt::format("\"{}.{}.preview\"", id.substr(0, 8), r->entry->version)))
      co_return res;
    auto const& pack = *r->entry->pack;
    // (Not a ?: around co_await: GCC 12 destroys such a temporary twice.)
    auto read_preview = [&pack] { return pack.preview(); };
    Result<std::vector<unsigned char>> bytes = make_error(ErrorCode::internal, "unreachable");
    if (pack.mapped())
      bytes = pack.preview();
    else
      bytes = co_await a->blocking().run(read_preview);
    if (!bytes) co_return bytes.error();
    res.body.assign(bytes->begin(), bytes->end());
    res.headers.set(bhttp::field::content_type, tiles::content_type_of(r->entry->pack->info().format));
    co_return res;
  };
  router.add(bhttp::verb::get, "/api/datasets/{id}/preview", preview, read);
  router.add(bhttp::verb::get, "/api/datasets/{id}/v{version:int}/preview", preview, read);

  // A FITS source's primary and image headers, as the pyramid recorded them (80-column cards, one
  // per line): megabytes at worst, so not in the dataset's JSON. Not FITS: 404.
  auto fits_header = [a, dir](http::Request& req) -> Reply {
    std::string id(req.param("id"));
    auto r = co_await resolve(*a, *dir, req, id, version_param(req));
    if (!r) co_return r.error();
    boost::system::error_code ec;
    auto meta = boost::json::parse(r->entry->pack->info().metadata_json, ec);
    auto const* fits = !ec && meta.is_object() ? meta.as_object().if_contains("fits") : nullptr;
    if (!fits || !fits->is_object()) co_return make_error(ErrorCode::not_found, "The image is not FITS");
    boost::json::object out;
    for (auto const* key : {"hdu", "primary_header", "image_header"}) {
      if (auto const* v = fits->as_object().if_contains(key)) out[key] = *v;
    }
    http::Response res;
    if (not_modified(req, res, *r, fmt::format("\"{}.{}.fits\"", id.substr(0, 8), r->entry->version)))
      co_return res;
    res.body = boost::json::serialize(out);
    res.headers.set(bhttp::field::content_type, "application/json");
    co_return res;
  };
  router.add(bhttp::verb::get, "/api/datasets/{id}/fits-header", fits_header, read);
  router.add(bhttp::verb::get, "/api/datasets/{id}/v{version:int}/fits-header", fits_header, read);

  router.add(
      bhttp::verb::get, "/iiif/3/{ident}/info.json",
      [a, dir](http::Request& req) -> Reply {
        auto [id, version] = split_identifier(req.param("ident"));
        auto r = co_await resolve(*a, *dir, req, id, version);
        if (!r) co_return r.error();
        http::Response res;
        // The body names the Host it was asked under: a shared cache must keep one copy per Host,
        // or one request with a forged Host would serve everyone a service id on another site.
        res.headers.set(bhttp::field::vary, "Host");
        if (not_modified(req, res, *r, fmt::format("\"{}.{}.info\"", id.substr(0, 8), r->entry->version)))
          co_return res;
        auto const& pack = *r->entry->pack;
        // The service id is absolute, as IIIF requires; it names the version so that tile URLs
        // derived from it are immutable.
        std::string host(req.header("Host"));
        if (host.empty() || host.find_first_of("\"\\<> ") != std::string::npos) host = "localhost";
        auto service = fmt::format("{}://{}/iiif/3/{}-v{}", req.secure_transport ? "https" : "http", host, id,
                                   r->entry->version);
        res.body = tiles::iiif_info_json(pack.geometry(), pack.info().format, service);
        res.headers.set(bhttp::field::content_type, "application/json");

        res.headers.set("Link", "<http://iiif.io/api/image/3/level0.json>;rel=\"profile\"");
        co_return res;
      },
      read);

  router.add(
      bhttp::verb::get, "/iiif/3/{ident}",
      [](http::Request& req) -> Reply {
        // The identifier goes back out in Location: only the characters of a dataset id and its
        // "-vN" suffix, never whatever a decoded path segment may hold (CR/LF, '/', spaces).
        auto ident = req.param("ident");
        bool valid = !ident.empty() && ident.size() <= 64;
        for (char c : ident) {
          valid = valid && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            c == '-' || c == '_');
        }
        if (!valid) co_return not_found();
        http::Response res;
        res.status = bhttp::status::see_other;
        res.headers.set(bhttp::field::location, "/iiif/3/" + std::string(ident) + "/info.json");
        co_return res;
      },
      read);

  router.add(
      bhttp::verb::get, "/iiif/3/{ident}/{region}/{size}/{rotation}/{quality}.{format}",
      [a, dir](http::Request& req) -> Reply {
        auto [id, version] = split_identifier(req.param("ident"));
        auto r = co_await resolve(*a, *dir, req, id, version);
        if (!r) co_return r.error();
        auto const& pack = *r->entry->pack;
        co_return co_await tile_reply(
            *a, req, *r,
            tiles::iiif_tile(pack.geometry(), pack.info().format, req.param("region"), req.param("size"),
                             req.param("rotation"), req.param("quality"), req.param("format")));
      },
      tile_opts);
}

}  // namespace astropixel::api
