#include "api/tile_endpoints.hpp"

#include <fmt/format.h>

#include "tiles/iiif.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;

Error tile_not_found() {
  return make_error(ErrorCode::not_found, "Not found");
}

http::asio::awaitable<Result<tiles::View>> view_of(tiles::TileService& svc, Call const& call, std::string id,
                                                   std::optional<std::int64_t> version,
                                                   tiles::Building building) {
  co_return co_await svc.resolve(call.who, id, version, building);
}

std::string Ident::link_suffix() const {
  return link ? auth::link_suffix(*link) : std::string();
}

std::optional<Ident> parse_ident(std::string_view ident) {
  auto linked = auth::split_viewer_link(ident);
  if (!linked || !tiles::iiif::is_safe_identifier(linked->ident)) return std::nullopt;
  auto [id, version] = tiles::iiif::split_identifier(linked->ident);
  return Ident{std::move(id), version, std::move(linked->link)};
}

http::asio::awaitable<Result<tiles::View>> view_of(tiles::TileService& svc, Call const& call,
                                                   Ident const& ident, tiles::Building building) {
  co_return co_await svc.resolve(call.who, ident.id, ident.version, building,
                                 ident.link ? &*ident.link : nullptr);
}

std::optional<std::int64_t> version_param(http::Request const& req) {
  for (auto const& [k, v] : req.params) {
    if (k == "version") return req.param_int("version");
  }
  return std::nullopt;
}

std::string origin_of(http::Request const& req) {
  std::string host(req.header("Host"));
  if (host.empty() || host.find_first_of("\"\\<> /") != std::string::npos) host = "localhost";
  return fmt::format("{}://{}", req.secure_transport ? "https" : "http", host);
}

void open_to_any_origin(http::Response& res, bool open) {
  if (open) res.headers.set(bhttp::field::access_control_allow_origin, "*");
}

http::RouteDoc tile_doc(std::string tag, std::string summary, std::string description,
                        std::vector<http::RouteDoc::Answer> answers) {
  return {.summary = std::move(summary),
          .tag = std::move(tag),
          .description = std::move(description),
          .answers = std::move(answers),
          .errors = {400, 404}};
}

std::vector<http::RouteDoc::Answer> cached(std::string description,
                                           std::vector<http::RouteDoc::Content> content) {
  return {{.status = 200,
           .description = std::move(description),
           .content = std::move(content),
           .headers = {"ETag", "Cache-Control"}},
          {.status = 304, .description = "Not modified (If-None-Match)"}};
}

std::vector<http::RouteDoc::Content> tile_formats() {
  return {{"image/jpeg"}, {"image/png"}, {"image/webp"}};
}

}  // namespace astropixel::api
