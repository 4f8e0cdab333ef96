#include "api/download_routes.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <variant>

#include "api/endpoint.hpp"
#include "core/error_catalogue.hpp"
#include "http/range.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;

std::string attachment_disposition(std::string_view name, std::string_view fallback) {
  // Only the last path segment: a name is never a path on the downloader's disk.
  if (auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) name = name.substr(slash + 1);
  if (name.size() > 255) name = name.substr(0, 255);
  std::string ascii;
  bool plain = true;
  for (unsigned char c : name) {
    // Quotes, backslashes and controls (CR, LF) could end the quoted string or the header line.
    bool const safe = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != ';' && c != '%';
    if (!safe) plain = false;
    // One stand-in per UTF-8 character: continuation bytes add none.
    if (c >= 0x80 && c < 0xc0) continue;
    ascii += safe ? static_cast<char>(c) : '_';
  }
  bool const usable = !name.empty() && ascii.find_first_not_of("._ ") != std::string::npos;
  if (!usable) return fmt::format("attachment; filename=\"{}\"", fallback);
  std::string out = fmt::format("attachment; filename=\"{}\"", ascii);
  if (!plain) {
    // RFC 8187 ext-value: UTF-8, every byte outside attr-char percent-encoded.
    out += "; filename*=UTF-8''";
    for (unsigned char c : name) {
      bool const attr = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
      if (attr)
        out += static_cast<char>(c);
      else
        out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string_view source_media_type(std::string_view format) {
  if (format == "fits") return "application/fits";
  if (format == "tiff") return "image/tiff";
  if (format == "png") return "image/png";
  if (format == "jpeg" || format == "jpg") return "image/jpeg";
  if (format == "jp2" || format == "jp2k" || format == "jpeg2000") return "image/jp2";
  if (format == "webp") return "image/webp";
  return "application/octet-stream";
}

namespace {

// A 416 in the error contract's shape, with the Content-Range the RFC asks for.
http::Response unsatisfiable(http::Request const& req, std::uint64_t size) {
  auto r = http::json_response({{"message", "Range not satisfiable"},
                                {"detail", fmt::format("The file has {} bytes", size)},
                                {"code", to_string(ErrorCode::range_not_satisfiable)},
                                {"request_id", req.request_id}},
                               bhttp::status::range_not_satisfiable);
  r.headers.set(bhttp::field::content_range, fmt::format("bytes */{}", size));
  return r;
}

Result<Answer> original(Call& call, datasets::DatasetService& ds, storage::BlobStore& blobs) {
  auto d = ds.get(call.who, std::string(call.param("id")));
  if (!d) return d.error();
  if (d->source_key.empty()) return make_error(ErrorCode::not_found, "The dataset has no stored source");
  auto info = blobs.stat(d->source_key);
  if (!info) return info.error();
  std::uint64_t const size = info->size;
  auto const& req = call.request;

  // The source of a dataset never changes: its id and size name this representation.
  std::string const etag = fmt::format("\"src-{}-{:x}\"", d->id, size);
  http::Response r;
  r.headers.set(bhttp::field::etag, etag);
  r.headers.set(bhttp::field::accept_ranges, "bytes");
  r.headers.set(bhttp::field::cache_control, "private, no-cache");
  r.headers.set("X-Content-Type-Options", "nosniff");
  r.headers.set(bhttp::field::content_disposition,
                attachment_disposition(d->file_name, fmt::format("dataset-{}.{}", d->id,
                                                                 d->format.empty() ? "bin" : d->format)));
  r.headers.set(bhttp::field::content_type, source_media_type(d->format));
  auto inm = req.header("If-None-Match");
  if (!inm.empty() && (inm == "*" || inm.find(etag) != std::string_view::npos)) {
    r.status = bhttp::status::not_modified;
    return Answer::of(std::move(r));
  }
  auto range = http::parse_range(req.header("Range"), size);
  // If-Range: the range only while the client's copy is this one.
  if (auto if_range = req.header("If-Range"); !if_range.empty() && if_range != etag)
    range = http::WholeBody{};
  if (std::holds_alternative<http::Unsatisfiable>(range)) return Answer::of(unsatisfiable(req, size));
  http::FileRange body;
  body.length = size;
  if (auto const* br = std::get_if<http::ByteRange>(&range)) {
    r.status = bhttp::status::partial_content;
    r.headers.set(bhttp::field::content_range,
                  fmt::format("bytes {}-{}/{}", br->first, br->first + br->length - 1, size));
    body.offset = br->first;
    body.length = br->length;
  }
  if (auto path = blobs.local_path(d->source_key)) {
    body.fd = http::open_file(path->c_str());
    if (!body.fd) return make_error(ErrorCode::not_found, "The dataset's source is missing");
  } else {
    // An object store: ranged reads of the object, a chunk at a time, as the client takes them.
    body.read = [&blobs, key = d->source_key](std::uint64_t offset, char* out,
                                              std::size_t n) -> std::int64_t {
      auto got = blobs.read(key, offset, std::span<char>(out, n));
      return got && *got > 0 ? static_cast<std::int64_t>(*got) : -1;
    };
  }
  r.file = std::move(body);
  return Answer::of(std::move(r));
}

}  // namespace

void add_download_routes(http::Router& router, Authenticator& authn, datasets::DatasetService& datasets,
                         storage::BlobStore& blobs) {
  auto* ds = &datasets;
  auto* store = &blobs;
  add_endpoint(
      router, authn,
      {.pattern = "/api/datasets/{id}/original",
       .handler = [ds, store](Call& c) { return original(c, *ds, *store); },
       .doc = {.summary = "The uploaded source file",
               .tag = "datasets",
               .description = "Streamed from the blob store as an attachment named after the uploaded "
                              "file. A single byte Range answers 206 with Content-Range (several ranges: "
                              "the whole file), one past the end 416; If-None-Match with the ETag 304. "
                              "HEAD answers the headers. 404 when absent or not visible to the caller",
               .answers = {{.status = 200,
                            .description = "The file",
                            .content = {{"application/octet-stream", ""}},
                            .headers = {"ETag", "Accept-Ranges", "Content-Disposition", "Cache-Control"}},
                           {.status = 206,
                            .description = "The requested byte range",
                            .content = {{"application/octet-stream", ""}},
                            .headers = {"ETag", "Content-Range", "Content-Disposition"}},
                           {.status = 304, .description = "Not modified (If-None-Match)"}},
               .errors = {404, 416}}});
}

}  // namespace astropixel::api
