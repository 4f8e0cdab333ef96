#include "api/upload_routes.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sodium.h>

#include <boost/json.hpp>
#include <charconv>
#include <cstring>

#include "api/dataset_routes.hpp"
#include "core/error_catalogue.hpp"
#include "core/log.hpp"
#include "http/error_table.hpp"
#include "upload/checksum.hpp"
#include "upload/multipart.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
using Reply = http::asio::awaitable<Result<http::Response>>;

namespace {

constexpr std::string_view kTusVersion = "1.0.0";
constexpr std::string_view kExtensions = "creation,creation-with-upload,termination,expiration,checksum";
constexpr std::string_view kOctetStream = "application/offset+octet-stream";
constexpr std::size_t kBuffer = 256 * 1024;

std::string http_date(std::int64_t unix_ms) {
  auto tp = std::chrono::floor<std::chrono::seconds>(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(unix_ms)));
  return fmt::format("{:%a, %d %b %Y %H:%M:%S} GMT", tp);
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  std::uint64_t v = 0;
  if (s.empty() || s.size() > 19) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

Error bad_header(std::string_view name, std::string detail) {
  Error e = make_error(ErrorCode::bad_request, "Invalid " + std::string(name) + " header", std::move(detail));
  e.reason = errc::invalid_tus_header.code;
  return e;
}

void tus_headers(http::Response& r) {
  r.headers.set("Tus-Resumable", kTusVersion);
  r.headers.set(bhttp::field::cache_control, "no-store");
}

// Every tus answer carries the protocol's headers, errors included; an error is rendered like any
// other route's, through the one error table (5xx logged, details only with DEBUG). tus adds one
// header to one error: a 412 names the versions spoken.
http::Handler tus_route(bool debug, http::Handler handler) {
  return [debug, handler = std::move(handler)](http::Request& req) -> Reply {
    auto result = co_await handler(req);
    http::Response r;
    if (result) {
      r = std::move(*result);
    } else {
      auto const& e = result.error();
      if (e.code == ErrorCode::internal || e.code == ErrorCode::unavailable) {
        auto ctx = req.log_context();
        log::write(
            e.code == ErrorCode::internal ? log::Level::error : log::Level::warn, "request_failed",
            {{"code", e.machine_code()}, {"message", e.message}, {"detail", e.detail}, {"route", "tus"}},
            &ctx);
      }
      r = http::error_response(e, req.request_id, debug);
      if (e.code == ErrorCode::precondition_failed) r.headers.set("Tus-Version", kTusVersion);
    }
    tus_headers(r);
    co_return r;
  };
}

Status check_version(http::Request const& req) {
  auto v = req.header("Tus-Resumable");
  if (v == kTusVersion) return {};
  Error e = make_error(ErrorCode::precondition_failed, "Unsupported tus version",
                       v.empty() ? "send Tus-Resumable: 1.0.0" : "this server speaks tus 1.0.0");
  e.reason = errc::tus_version_unsupported.code;
  return e;
}

std::string encode_metadata(upload::Metadata const& m) {
  std::string out;
  for (auto const& [k, v] : m) {
    if (!out.empty()) out += ',';
    out += k;
    if (!v.empty()) {
      std::string b64(sodium_base64_encoded_len(v.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
      sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<unsigned char const*>(v.data()), v.size(),
                        sodium_base64_VARIANT_ORIGINAL);
      b64.resize(std::strlen(b64.c_str()));
      out += ' ' + b64;
    }
  }
  return out;
}

void describe(http::Response& r, upload::Upload const& u) {
  r.headers.set("Upload-Offset", std::to_string(u.offset));
  r.headers.set("Upload-Length", std::to_string(u.length));
  if (u.state == "open") r.headers.set("Upload-Expires", http_date(u.expires_at));
  if (!u.dataset_id.empty()) r.headers.set("X-Dataset-Id", u.dataset_id);
}

boost::json::object upload_json(upload::Upload const& u) {
  return {
      {"id", u.id},
      {"offset", u.offset},
      {"length", u.length},
      {"state", u.state},
      {"dataset_id", u.dataset_id.empty() ? boost::json::value(nullptr) : boost::json::value(u.dataset_id)},
      {"expires_at", u.expires_at}};
}

// The request's Upload-Checksum, when it has one (null otherwise). Errors: bad_request.
Result<std::unique_ptr<upload::Checksum>> checksum_of(http::Request const& req) {
  auto header = req.header("Upload-Checksum");
  if (header.empty()) return std::unique_ptr<upload::Checksum>();
  return upload::Checksum::parse(header);
}

// Streams the request body into the upload; what the bytes come to (kept, dropped, verified) is
// the service's decision at end_append. Every write runs on the blocking pool.
http::asio::awaitable<Result<upload::Upload>> append_body(http::Request& req, http::BlockingPool& blocking,
                                                          upload::UploadService& uploads,
                                                          auth::Principal const& who,
                                                          std::unique_ptr<upload::Appender> appender) {
  std::vector<char> buffer(kBuffer);
  Status body;
  while (true) {
    auto n = co_await req.body->read_some(buffer);
    if (!n) {
      body = n.error();
      break;
    }
    if (*n == 0) break;
    auto write = [&uploads, &appender, &buffer, size = *n] {
      return uploads.write(*appender, {buffer.data(), size});
    };
    if (auto s = co_await blocking.run(write); !s) {
      body = s;
      break;
    }
  }
  auto end = [&uploads, &who, &appender, &body] {
    return uploads.end_append(who, std::move(appender), body);
  };
  co_return co_await blocking.run(end);
}

Error past_upload_length(std::uint64_t length) {
  Error e = make_error(ErrorCode::payload_too_large, "The body goes past Upload-Length",
                       "Upload-Length is " + std::to_string(length));
  e.reason = errc::past_upload_length.code;
  return e;
}

// The small-file path: one multipart/form-data POST with the same fields as tus metadata and a
// `file` part streamed to a FormFile. The parser (and so every write) runs on the blocking pool.
class FormUpload {
 public:
  explicit FormUpload(upload::FormFile& file) : file_(file) {}
  upload::MultipartParser::Handlers handlers() {
    return {
        [this](upload::PartInfo const& p) -> Status {
          if (p.name == "file") {
            if (has_file_) return invalid_field("file", "Send one file");
            has_file_ = true;
            in_file_ = true;
            if (!p.filename.empty() && !metadata_.count("filename")) metadata_["filename"] = p.filename;
            return {};
          }
          static constexpr std::string_view kFields[] = {"name",    "description", "category", "visibility",
                                                         "stretch", "filename",    "hdu",      "plane"};
          if (std::find(std::begin(kFields), std::end(kFields), p.name) == std::end(kFields))
            return invalid_field(p.name, "Unknown form field");
          in_file_ = false;
          field_ = p.name;
          metadata_[field_].clear();
          return {};
        },
        [this](std::span<char const> b) -> Status {
          if (in_file_) return file_.write(b);
          if (metadata_[field_].size() + b.size() > 64 * 1024) return invalid_field(field_, "Field too long");
          metadata_[field_].append(b.data(), b.size());
          return {};
        },
        [this]() -> Status {
          in_file_ = false;
          return {};
        },
    };
  }
  Status close() {
    if (!has_file_) return invalid_field("file", "A file part named \"file\" is required");
    return file_.close();
  }
  upload::Metadata const& metadata() const { return metadata_; }

 private:
  upload::FormFile& file_;
  bool has_file_ = false, in_file_ = false;
  std::string field_;
  upload::Metadata metadata_;
};

}  // namespace

void add_upload_routes(http::Router& router, Authenticator& authn, upload::UploadService& uploads,
                       UploadLimits limits) {
  auto* a = &authn;
  auto* up = &uploads;
  http::RouteOptions body_route{.max_body = limits.max_chunk_size, .rate_policy = "default"};
  http::RouteOptions no_body{.max_body = 0, .rate_policy = "default"};
  auto max_size = uploads.settings().max_upload_size;
  auto tus = [debug = limits.debug](http::Handler h) { return tus_route(debug, std::move(h)); };

  router.add(bhttp::verb::options, "/api/uploads", tus([max_size](http::Request&) -> Reply {
               http::Response r;
               r.status = bhttp::status::no_content;
               r.headers.set("Tus-Version", kTusVersion);
               r.headers.set("Tus-Extension", kExtensions);
               r.headers.set("Tus-Max-Size", std::to_string(max_size));
               r.headers.set("Tus-Checksum-Algorithm", upload::kChecksumAlgorithms);
               co_return r;
             }),
             no_body);

  router.add(bhttp::verb::post, "/api/uploads",
             tus([a, up, admit = limits.admit_storage](http::Request& req) -> Reply {
               if (auto s = check_version(req); !s) co_return s.error();
               auto who = co_await a->require_user(req);
               if (!who) co_return who.error();
               if (!req.header("Upload-Defer-Length").empty())
                 co_return bad_header("Upload-Defer-Length", "deferred lengths are not supported");
               auto length = parse_u64(req.header("Upload-Length"));
               if (!length) co_return bad_header("Upload-Length", "a non-negative integer is required");
               auto has_body =
                   req.body->content_length().value_or(0) > 0 || !req.header("Transfer-Encoding").empty();
               if (has_body && req.header("Content-Type") != kOctetStream) {
                 co_return make_error(ErrorCode::unsupported_media_type, "Wrong Content-Type",
                                      "an upload body must be application/offset+octet-stream");
               }
               if (has_body && req.body->content_length() && *req.body->content_length() > *length)
                 co_return past_upload_length(*length);
               auto checksum = checksum_of(req);
               if (!checksum) co_return checksum.error();
               auto principal = who->principal;
               std::string metadata(req.header("Upload-Metadata"));
               auto create = [up, &principal, &length, &metadata, &admit]() -> Result<upload::Upload> {
                 // Over MAX_UPLOAD_SIZE is a 413 from create, whatever the quota says.
                 if (admit && *length <= up->settings().max_upload_size) {
                   if (auto s = admit(principal.user_id, *length); !s) return s.error();
                 }
                 return up->create(principal, *length, metadata);
               };
               auto created = co_await a->blocking().run(create);
               if (!created) co_return created.error();
               upload::Upload u = *created;
               if (has_body || *length == 0) {
                 // creation-with-upload (and an empty file, complete at once).
                 auto id = u.id;
                 auto begin = [up, &principal, &id, &checksum] {
                   return up->begin_append(principal, id, 0, std::move(*checksum));
                 };
                 auto appender = co_await a->blocking().run(begin);
                 if (!appender) co_return appender.error();
                 auto appended =
                     co_await append_body(req, a->blocking(), *up, principal, std::move(*appender));
                 if (!appended) co_return appended.error();
                 u = *appended;
               }
               http::Response r;
               r.status = bhttp::status::created;
               r.headers.set(bhttp::field::location, "/api/uploads/" + u.id);
               describe(r, u);
               co_return r;
             }),
             body_route);

  // HEAD (through the GET route): where the upload stands. GET adds a JSON body for browsers.
  router.add(bhttp::verb::get, "/api/uploads/{id}", tus([a, up](http::Request& req) -> Reply {
               if (req.method == bhttp::verb::head) {
                 if (auto s = check_version(req); !s) co_return s.error();
               }
               auto who = co_await a->require_user(req);
               if (!who) co_return who.error();
               auto principal = who->principal;
               std::string id(req.param("id"));
               auto look = [up, &principal, &id]() -> Result<upload::Upload> {
                 auto u = up->get(principal, id);
                 // Complete but not yet a dataset (a crash between the last byte and the dataset): finish
                 // now.
                 if (u && u->state == "open" && u->offset == u->length) return up->finish(principal, id);
                 return u;
               };
               auto u = co_await a->blocking().run(look);
               if (!u) co_return u.error();
               auto r = http::json_response(upload_json(*u));
               describe(r, *u);
               if (!u->metadata.empty()) r.headers.set("Upload-Metadata", encode_metadata(u->metadata));
               co_return r;
             }),
             no_body);

  router.add(bhttp::verb::patch, "/api/uploads/{id}", tus([a, up](http::Request& req) -> Reply {
               if (auto s = check_version(req); !s) co_return s.error();
               auto who = co_await a->require_user(req);
               if (!who) co_return who.error();
               if (req.header("Content-Type") != kOctetStream) {
                 co_return make_error(ErrorCode::unsupported_media_type, "Wrong Content-Type",
                                      "PATCH bodies must be application/offset+octet-stream");
               }
               auto offset = parse_u64(req.header("Upload-Offset"));
               if (!offset) co_return bad_header("Upload-Offset", "a non-negative integer is required");
               auto checksum = checksum_of(req);
               if (!checksum) co_return checksum.error();
               auto principal = who->principal;
               std::string id(req.param("id"));
               auto begin = [up, &principal, &id, &offset, &checksum] {
                 return up->begin_append(principal, id, *offset, std::move(*checksum));
               };
               auto appender = co_await a->blocking().run(begin);
               if (!appender) co_return appender.error();
               // Declared past the end: refused before a byte is read.
               if (auto cl = req.body->content_length(); cl && *offset + *cl > (*appender)->length())
                 co_return past_upload_length((*appender)->length());
               auto appended = co_await append_body(req, a->blocking(), *up, principal, std::move(*appender));
               if (!appended) co_return appended.error();
               http::Response r;
               r.status = bhttp::status::no_content;
               describe(r, *appended);
               co_return r;
             }),
             body_route);

  router.add(bhttp::verb::post, "/api/datasets/upload",
             [a, up, admit = limits.admit_storage](http::Request& req) -> Reply {
               auto who = co_await a->require_user(req);
               if (!who) co_return who.error();
               auto boundary = upload::MultipartParser::boundary_of(req.header("Content-Type"));
               if (!boundary) co_return boundary.error();
               // A declared length is checked against the limits and the disk before anything is read; an
               // undeclared one as the body streams.
               auto declared = req.body->content_length();
               auto principal = who->principal;
               auto open = [up, declared, &admit, &principal]() -> Result<std::unique_ptr<upload::FormFile>> {
                 if (admit && declared.value_or(0) > 0 && *declared <= up->settings().max_upload_size) {
                   if (auto s = admit(principal.user_id, *declared); !s) return s.error();
                 }
                 return up->open_form_file(declared);
               };
               auto file = co_await a->blocking().run(open);
               if (!file) co_return file.error();
               FormUpload form(**file);
               upload::MultipartParser parser(*boundary, form.handlers());
               std::vector<char> buffer(kBuffer);
               while (true) {
                 auto n = co_await req.body->read_some(buffer);
                 if (!n) co_return n.error();
                 if (*n == 0) break;
                 auto feed = [&parser, &buffer, size = *n] { return parser.feed({buffer.data(), size}); };
                 if (auto s = co_await a->blocking().run(feed); !s) co_return s.error();
               }
               auto ingest = [up, &form, &parser, &file, &principal, &admit]() -> Result<datasets::Dataset> {
                 if (auto s = parser.finish(); !s) return s.error();
                 if (auto s = form.close(); !s) return s.error();
                 // A chunked body declared no length: the quota is checked on what arrived.
                 if (admit) {
                   if (auto s = admit(principal.user_id, (*file)->size()); !s) return s.error();
                 }
                 auto d = up->ingest(principal, form.metadata(), (*file)->path(), (*file)->size());
                 if (d) (*file)->keep();  // moved into the store
                 return d;
               };
               auto d = co_await a->blocking().run(ingest);
               if (!d) co_return d.error();
               auto res = http::json_response(dataset_json(*d, principal), bhttp::status::created);
               res.headers.set(bhttp::field::location, "/api/datasets/" + d->id);
               co_return res;
             },
             {.max_body = uploads.settings().max_upload_size + (1 << 20), .rate_policy = "default"});

  router.add(bhttp::verb::delete_, "/api/uploads/{id}", tus([a, up](http::Request& req) -> Reply {
               if (auto s = check_version(req); !s) co_return s.error();
               auto who = co_await a->require_user(req);
               if (!who) co_return who.error();
               auto principal = who->principal;
               std::string id(req.param("id"));
               auto kill = [up, &principal, &id] { return up->terminate(principal, id); };
               if (auto s = co_await a->blocking().run(kill); !s) co_return s.error();
               http::Response r;
               r.status = bhttp::status::no_content;
               co_return r;
             }),
             no_body);
}

}  // namespace astropixel::api
