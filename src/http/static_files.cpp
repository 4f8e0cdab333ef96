#include "http/static_files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <boost/beast/http/field.hpp>

#include "http/range.hpp"
#include "http/router.hpp"

namespace astropixel::http {
namespace fs = std::filesystem;
using boost::beast::http::field;
using boost::beast::http::status;

namespace {

constexpr std::string_view kPlaceholder = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AstroPixel</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;background:#0b1020;color:#e6e9f2;display:grid;place-items:center;
min-height:100vh;margin:0}main{max-width:36rem;padding:2rem}a{color:#8fb3ff}code{color:#ffd27f}</style></head>
<body><main><h1>AstroPixel</h1><p>The server is running. The web app has not been built yet, so this
placeholder stands in for it.</p><p>The API answers under <code>/api</code>; try
<a href="/api/health">/api/health</a> or <a href="/metrics">/metrics</a>.</p></main></body></html>
)html";

// Vite names bundled assets "name-<hash>.ext" under /assets: safe to cache for a year.
bool is_hashed_asset(std::string_view rel) {
  return rel.starts_with("assets/");
}

}  // namespace

std::string_view content_type_for(std::string_view ext) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 22> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".webp", "image/webp"},
      {".gif", "image/gif"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
      {".xml", "application/xml"},
      {".webmanifest", "application/manifest+json"},
      {".dzi", "application/xml"},
      {".fits", "application/fits"},
      {".csv", "text/csv; charset=utf-8"},
  }};
  for (auto const& [e, t] : kTypes) {
    if (e == ext) return t;
  }
  return "application/octet-stream";
}

StaticFiles::StaticFiles(fs::path root) {
  std::error_code ec;
  auto canonical = fs::canonical(root, ec);
  if (!ec && fs::is_regular_file(canonical / "index.html", ec)) root_ = canonical;
}

Result<Response> StaticFiles::serve(Request const& req) const {
  if (root_.empty()) {
    Response r = text_response(std::string(kPlaceholder), "text/html; charset=utf-8");
    r.headers.set(field::cache_control, "no-cache");
    return r;
  }
  auto segments = split_path(req.path);
  if (!segments) return make_error(ErrorCode::not_found, "Not found");
  std::string rel;
  for (auto const& s : *segments) {
    // Dot-files and parent references never name anything we serve.
    if (s.starts_with('.') || s.find('\\') != std::string::npos)
      return make_error(ErrorCode::not_found, "Not found");
    if (s.empty()) continue;
    if (!rel.empty()) rel += '/';
    rel += s;
  }
  if (!rel.empty()) {
    std::error_code ec;
    auto candidate = fs::canonical(root_ / rel, ec);
    if (!ec) {
      // Symlinks may point anywhere: the resolved file must still be inside the root.
      auto [root_end, _] = std::mismatch(root_.begin(), root_.end(), candidate.begin(), candidate.end());
      if (root_end != root_.end()) return make_error(ErrorCode::not_found, "Not found");
      if (fs::is_regular_file(candidate, ec)) return serve_file(req, candidate, is_hashed_asset(rel));
    }
    // A missing asset is a real 404; everything else is a client-side route.
    if (is_hashed_asset(rel) || fs::path(rel).has_extension())
      return make_error(ErrorCode::not_found, "Not found");
  }
  return serve_file(req, root_ / "index.html", false);
}

Result<Response> StaticFiles::serve_file(Request const& req, fs::path const& path, bool immutable) const {
  auto fd = open_file(path.c_str());
  struct stat st {};
  if (!fd || ::fstat(*fd, &st) != 0) return make_error(ErrorCode::not_found, "Not found");
  auto size = static_cast<std::uint64_t>(st.st_size);
  std::string etag = fmt::format("\"{:x}-{:x}\"", size,
                                 static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000ull +
                                     static_cast<std::uint64_t>(st.st_mtim.tv_nsec));
  Response r;
  r.headers.set(field::etag, etag);
  r.headers.set(field::accept_ranges, "bytes");
  r.headers.set(field::cache_control, immutable ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.set(field::content_type, content_type_for(path.extension().string()));
  r.headers.set("X-Content-Type-Options", "nosniff");
  // The web app runs with no inline script or style, talks only to this origin, and is never framed.
  // The one hash allowed in style-src is that of an empty stylesheet: the viewer library looks for a
  // marker <style> element, which the app provides empty.
  r.headers.set(
      "Content-Security-Policy",
      "default-src 'self'; script-src 'self'; style-src 'self' "
      "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='; "
      "img-src 'self' data: blob:; "
      "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
      "form-action 'self'");
  r.headers.set("Referrer-Policy", "same-origin");

  auto inm = req.header("If-None-Match");
  if (!inm.empty() && (inm == "*" || inm.find(etag) != std::string_view::npos)) {
    r.status = status::not_modified;
    return r;
  }
  auto range = parse_range(req.header("Range"), size);
  // If-Range: serve the range only while the client's copy is current.
  auto if_range = req.header("If-Range");
  if (!if_range.empty() && if_range != etag) range = WholeBody{};
  if (std::holds_alternative<Unsatisfiable>(range)) {
    r.status = status::range_not_satisfiable;
    r.headers.set(field::content_range, fmt::format("bytes */{}", size));
    r.headers.set(field::content_type, "text/plain");
    return r;
  }
  if (auto const* br = std::get_if<ByteRange>(&range)) {
    r.status = status::partial_content;
    r.headers.set(field::content_range,
                  fmt::format("bytes {}-{}/{}", br->first, br->first + br->length - 1, size));
    r.file = FileRange{fd, br->first, br->length};
    return r;
  }
  r.file = FileRange{fd, 0, size};
  return r;
}

}  // namespace astropixel::http
