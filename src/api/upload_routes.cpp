#include "api/upload_routes.hpp"

#include <fcntl.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sodium.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <charconv>
#include <cstring>

#include "api/dataset_routes.hpp"
#include "core/error_catalogue.hpp"
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

// tus answers errors like any other route, plus the protocol header.
http::Response tus_error(http::Request const& req, Error const& e) {
  auto r = http::error_response(e, req.request_id, false);
  tus_headers(r);
  if (e.code == ErrorCode::precondition_failed) r.headers.set("Tus-Version", kTusVersion);
  return r;
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

// Streams the request body into the upload at the appender's offset. Bytes that arrived before a
// broken connection or an over-long chunk are kept (and made durable); bytes past Upload-Length
// make the whole request refused and are dropped. With a checksum, the request's bytes count only
// when the whole body arrived and matches; otherwise they are all dropped.
http::asio::awaitable<Result<upload::Upload>> append_body(http::Request& req, Authenticator& authn,
                                                          upload::UploadService& uploads,
                                                          auth::Principal const& who,
                                                          std::unique_ptr<upload::Appender> appender,
                                                          std::unique_ptr<upload::Checksum> checksum) {
  std::vector<char> buffer(kBuffer);
  Status failure;
  if (checksum) uploads.hold_parts(*appender);
  while (true) {
    auto n = co_await req.body->read_some(buffer);
    if (!n) {
      failure = n.error();
      break;
    }
    if (*n == 0) break;
    if (auto s = uploads.write(*appender, {buffer.data(), *n}); !s) {
      if (s.error().reason == errc::past_upload_length.code) uploads.rollback(*appender);
      failure = s;
      break;
    }
    if (checksum) checksum->update({buffer.data(), *n});
    if (uploads.wants_ship(*appender)) {  // a full part goes to the object store
      auto ship = [&uploads, &appender] { return uploads.ship(*appender); };
      if (auto s = co_await authn.blocking().run(ship); !s) {
        failure = s;
        break;
      }
    }
  }
  if (checksum) {
    // An interrupted body cannot be verified: it is dropped like a mismatching one.
    Status verdict = failure ? checksum->verify() : failure;
    if (!verdict) {
      uploads.rollback(*appender);
      failure = verdict;
    }
  }
  auto finish = [&uploads, &who, &appender] { return uploads.end_append(who, std::move(appender)); };
  auto done = co_await authn.blocking().run(finish);
  if (!failure) co_return failure.error();
  co_return done;
}

// The small-file path: one multipart/form-data POST with the same fields as tus metadata and a
// `file` part streamed straight to disk.
class FormUpload {
 public:
  FormUpload(std::filesystem::path path, std::uint64_t max_size)
      : path_(std::move(path)), max_size_(max_size) {}
  ~FormUpload() {
    if (fd_ >= 0) ::close(fd_);
    if (!kept_) {
      std::error_code ec;
      std::filesystem::remove(path_, ec);
    }
  }
  Status open() {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd_ < 0) return make_error(ErrorCode::unavailable, "Upload storage error", std::strerror(errno));
    return {};
  }
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
          if (!in_file_) {
            if (metadata_[field_].size() + b.size() > 64 * 1024)
              return invalid_field(field_, "Field too long");
            metadata_[field_].append(b.data(), b.size());
            return {};
          }
          if (size_ + b.size() > max_size_) {
            Error e = make_error(ErrorCode::payload_too_large, "Upload too large",
                                 "the maximum is " + std::to_string(max_size_) + " bytes");
            e.reason = errc::upload_too_large.code;
            return e;
          }
          while (!b.empty()) {
            auto n = ::write(fd_, b.data(), b.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
              Error e = make_error(errno == ENOSPC ? ErrorCode::insufficient_storage : ErrorCode::unavailable,
                                   "Upload storage error", std::strerror(errno));
              if (errno == ENOSPC) e.reason = errc::insufficient_disk_space.code;
              return e;
            }
            size_ += static_cast<std::uint64_t>(n);
            b = b.subspan(static_cast<std::size_t>(n));
          }
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
    if (::fdatasync(fd_) != 0 || ::close(fd_) != 0) {
      fd_ = -1;
      return make_error(ErrorCode::unavailable, "Upload storage error", std::strerror(errno));
    }
    fd_ = -1;
    return {};
  }
  void keep() { kept_ = true; }
  upload::Metadata const& metadata() const { return metadata_; }
  std::uint64_t size() const { return size_; }
  std::filesystem::path const& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::uint64_t max_size_;
  int fd_ = -1;
  bool kept_ = false, has_file_ = false, in_file_ = false;
  std::string field_;
  upload::Metadata metadata_;
  std::uint64_t size_ = 0;
};

}  // namespace

void add_upload_routes(http::Router& router, Authenticator& authn, upload::UploadService& uploads,
                       UploadLimits limits) {
  auto* a = &authn;
  auto* up = &uploads;
  http::RouteOptions body_route{.max_body = limits.max_chunk_size, .rate_policy = "default"};
  http::RouteOptions no_body{.max_body = 0, .rate_policy = "default"};
  auto max_size = uploads.settings().max_upload_size;

  router.add(
      bhttp::verb::options, "/api/uploads",
      [max_size](http::Request&) -> Reply {
        http::Response r;
        r.status = bhttp::status::no_content;
        tus_headers(r);
        r.headers.set("Tus-Version", kTusVersion);
        r.headers.set("Tus-Extension", kExtensions);
        r.headers.set("Tus-Max-Size", std::to_string(max_size));
        r.headers.set("Tus-Checksum-Algorithm", upload::kChecksumAlgorithms);
        co_return r;
      },
      no_body);

  router.add(
      bhttp::verb::post, "/api/uploads",
      [a, up](http::Request& req) -> Reply {
        if (auto s = check_version(req); !s) co_return tus_error(req, s.error());
        auto who = co_await a->require_user(req);
        if (!who) co_return tus_error(req, who.error());
        if (!req.header("Upload-Defer-Length").empty())
          co_return tus_error(req, bad_header("Upload-Defer-Length", "deferred lengths are not supported"));
        auto length = parse_u64(req.header("Upload-Length"));
        if (!length)
          co_return tus_error(req, bad_header("Upload-Length", "a non-negative integer is required"));
        auto has_body =
            req.body->content_length().value_or(0) > 0 || !req.header("Transfer-Encoding").empty();
        if (has_body && req.header("Content-Type") != kOctetStream) {
          co_return tus_error(req, make_error(ErrorCode::unsupported_media_type, "Wrong Content-Type",
                                              "an upload body must be application/offset+octet-stream"));
        }
        if (has_body && req.body->content_length() && *req.body->content_length() > *length) {
          Error e = make_error(ErrorCode::payload_too_large, "The body goes past Upload-Length");
          e.reason = errc::past_upload_length.code;
          co_return tus_error(req, e);
        }
        auto checksum = checksum_of(req);
        if (!checksum) co_return tus_error(req, checksum.error());
        auto principal = who->principal;
        std::string metadata(req.header("Upload-Metadata"));
        auto create = [up, &principal, &length, &metadata] {
          return up->create(principal, *length, metadata);
        };
        auto created = co_await a->blocking().run(create);
        if (!created) {
          if (static_cast<int>(http::status_of(created.error().code)) >= 500 &&
              created.error().code != ErrorCode::insufficient_storage)
            co_return created.error();
          co_return tus_error(req, created.error());
        }
        upload::Upload u = *created;
        if (has_body || *length == 0) {
          // creation-with-upload (and an empty file, complete at once).
          auto id = u.id;
          auto begin = [up, &principal, &id] { return up->begin_append(principal, id, 0); };
          auto appender = co_await a->blocking().run(begin);
          if (!appender) co_return tus_error(req, appender.error());
          auto appended =
              co_await append_body(req, *a, *up, principal, std::move(*appender), std::move(*checksum));
          if (!appended) {
            if (appended.error().code == ErrorCode::unavailable ||
                appended.error().code == ErrorCode::internal)
              co_return appended.error();
            co_return tus_error(req, appended.error());
          }
          u = *appended;
        }
        http::Response r;
        r.status = bhttp::status::created;
        tus_headers(r);
        r.headers.set(bhttp::field::location, "/api/uploads/" + u.id);
        describe(r, u);
        co_return r;
      },
      body_route);

  // HEAD (through the GET route): where the upload stands. GET adds a JSON body for browsers.
  router.add(
      bhttp::verb::get, "/api/uploads/{id}",
      [a, up](http::Request& req) -> Reply {
        if (req.method == bhttp::verb::head) {
          if (auto s = check_version(req); !s) co_return tus_error(req, s.error());
        }
        auto who = co_await a->require_user(req);
        if (!who) co_return tus_error(req, who.error());
        auto principal = who->principal;
        std::string id(req.param("id"));
        auto look = [up, &principal, &id]() -> Result<upload::Upload> {
          auto u = up->get(principal, id);
          // Complete but not yet a dataset (a crash between the last byte and the dataset): finish now.
          if (u && u->state == "open" && u->offset == u->length) return up->finish(principal, id);
          return u;
        };
        auto u = co_await a->blocking().run(look);
        if (!u) co_return tus_error(req, u.error());
        auto r = http::json_response(upload_json(*u));
        tus_headers(r);
        describe(r, *u);
        if (!u->metadata.empty()) r.headers.set("Upload-Metadata", encode_metadata(u->metadata));
        co_return r;
      },
      no_body);

  router.add(
      bhttp::verb::patch, "/api/uploads/{id}",
      [a, up](http::Request& req) -> Reply {
        if (auto s = check_version(req); !s) co_return tus_error(req, s.error());
        auto who = co_await a->require_user(req);
        if (!who) co_return tus_error(req, who.error());
        if (req.header("Content-Type") != kOctetStream) {
          co_return tus_error(req, make_error(ErrorCode::unsupported_media_type, "Wrong Content-Type",
                                              "PATCH bodies must be application/offset+octet-stream"));
        }
        auto offset = parse_u64(req.header("Upload-Offset"));
        if (!offset)
          co_return tus_error(req, bad_header("Upload-Offset", "a non-negative integer is required"));
        auto checksum = checksum_of(req);
        if (!checksum) co_return tus_error(req, checksum.error());
        auto principal = who->principal;
        std::string id(req.param("id"));
        auto begin = [up, &principal, &id, &offset] { return up->begin_append(principal, id, *offset); };
        auto appender = co_await a->blocking().run(begin);
        if (!appender) co_return tus_error(req, appender.error());
        if (auto cl = req.body->content_length(); cl && *offset + *cl > (*appender)->length()) {
          // Declared past the end: refused before a byte is read.
          Error e = make_error(ErrorCode::payload_too_large, "The body goes past Upload-Length",
                               "Upload-Length is " + std::to_string((*appender)->length()));
          e.reason = errc::past_upload_length.code;
          co_return tus_error(req, e);
        }
        auto appended =
            co_await append_body(req, *a, *up, principal, std::move(*appender), std::move(*checksum));
        if (!appended) {
          if (appended.error().code == ErrorCode::unavailable || appended.error().code == ErrorCode::internal)
            co_return appended.error();
          co_return tus_error(req, appended.error());
        }
        http::Response r;
        r.status = bhttp::status::no_content;
        tus_headers(r);
        describe(r, *appended);
        co_return r;
      },
      body_route);

  router.add(bhttp::verb::post, "/api/datasets/upload",
             [a, up](http::Request& req) -> Reply {
               auto who = co_await a->require_user(req);
               if (!who) co_return who.error();
               auto boundary = upload::MultipartParser::boundary_of(req.header("Content-Type"));
               if (!boundary) co_return boundary.error();
               // A declared length is checked against the limits and the disk before anything is read.
               std::uint64_t expected = req.body->content_length().value_or(0);
               auto reserve = [up, expected] { return up->reserve_file(expected); };
               auto path = co_await a->blocking().run(reserve);
               if (!path) co_return path.error();
               FormUpload form(*path, up->settings().max_upload_size);
               if (auto s = form.open(); !s) co_return s.error();
               upload::MultipartParser parser(*boundary, form.handlers());
               std::vector<char> buffer(kBuffer);
               while (true) {
                 auto n = co_await req.body->read_some(buffer);
                 if (!n) co_return n.error();
                 if (*n == 0) break;
                 if (auto s = parser.feed({buffer.data(), *n}); !s) co_return s.error();
               }
               if (auto s = parser.finish(); !s) co_return s.error();
               auto principal = who->principal;
               auto ingest = [up, &form, &principal]() -> Result<datasets::Dataset> {
                 if (auto s = form.close(); !s) return s.error();
                 auto d = up->ingest(principal, form.metadata(), form.path(), form.size());
                 if (d) form.keep();  // moved into the store
                 return d;
               };
               auto d = co_await a->blocking().run(ingest);
               if (!d) co_return d.error();
               auto res = http::json_response(dataset_json(*d, principal), bhttp::status::created);
               res.headers.set(bhttp::field::location, "/api/datasets/" + d->id);
               co_return res;
             },
             {.max_body = uploads.settings().max_upload_size + (1 << 20), .rate_policy = "default"});

  router.add(
      bhttp::verb::delete_, "/api/uploads/{id}",
      [a, up](http::Request& req) -> Reply {
        if (auto s = check_version(req); !s) co_return tus_error(req, s.error());
        auto who = co_await a->require_user(req);
        if (!who) co_return tus_error(req, who.error());
        auto principal = who->principal;
        std::string id(req.param("id"));
        auto kill = [up, &principal, &id] { return up->terminate(principal, id); };
        if (auto s = co_await a->blocking().run(kill); !s) co_return tus_error(req, s.error());
        http::Response r;
        r.status = bhttp::status::no_content;
        tus_headers(r);
        co_return r;
      },
      no_body);
}

}  // namespace astropixel::api
