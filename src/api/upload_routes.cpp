#include "api/upload_routes.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sodium.h>

#include <boost/json.hpp>
#include <charconv>
#include <cstring>

#include "api/dataset_routes.hpp"
#include "core/error_catalogue.hpp"
#include "upload/checksum.hpp"
#include "upload/multipart.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
using bhttp::verb;

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

Status tus_version(http::Request const& req) {
  auto v = req.header("Tus-Resumable");
  if (v == kTusVersion) return {};
  Error e = make_error(ErrorCode::precondition_failed, "Unsupported tus version",
                       v.empty() ? "send Tus-Resumable: 1.0.0" : "this server speaks tus 1.0.0");
  e.reason = errc::tus_version_unsupported.code;
  return e;
}

Result<TusCreation> tus_creation(http::Request const& req) {
  if (!req.header("Upload-Defer-Length").empty())
    return bad_header("Upload-Defer-Length", "deferred lengths are not supported");
  auto length = parse_u64(req.header("Upload-Length"));
  if (!length) return bad_header("Upload-Length", "a non-negative integer is required");
  auto declared = req.body->content_length();
  bool has_body = declared.value_or(0) > 0 || !req.header("Transfer-Encoding").empty();
  if (has_body && req.header("Content-Type") != kOctetStream) {
    return make_error(ErrorCode::unsupported_media_type, "Wrong Content-Type",
                      "an upload body must be application/offset+octet-stream");
  }
  if (has_body && declared && *declared > *length) return past_upload_length(*length);
  auto checksum = checksum_of(req);
  if (!checksum) return checksum.error();
  return TusCreation{*length, has_body, std::move(*checksum)};
}

Result<TusAppend> tus_append(http::Request const& req) {
  if (req.header("Content-Type") != kOctetStream) {
    return make_error(ErrorCode::unsupported_media_type, "Wrong Content-Type",
                      "PATCH bodies must be application/offset+octet-stream");
  }
  auto offset = parse_u64(req.header("Upload-Offset"));
  if (!offset) return bad_header("Upload-Offset", "a non-negative integer is required");
  auto checksum = checksum_of(req);
  if (!checksum) return checksum.error();
  return TusAppend{*offset, std::move(*checksum)};
}

Result<Answer> tus_options(Call&, std::uint64_t max_size) {
  http::Response r;
  r.status = bhttp::status::no_content;
  r.headers.set("Tus-Extension", kExtensions);
  r.headers.set("Tus-Max-Size", std::to_string(max_size));
  r.headers.set("Tus-Checksum-Algorithm", upload::kChecksumAlgorithms);
  return Answer::of(std::move(r));
}

http::asio::awaitable<Result<Answer>> tus_create(Call& call, UploadDeps deps) {
  auto& up = *deps.uploads;
  auto request = tus_creation(call.request);
  if (!request) co_return request.error();
  auto const& principal = *call.who;
  auto const length = request->length;
  std::string metadata(call.request.header("Upload-Metadata"));
  auto create = [&up, &principal, length, &metadata, &deps]() -> Result<upload::Upload> {
    // Over MAX_UPLOAD_SIZE is a 413 from create, whatever the quota says.
    if (deps.admit_storage && length <= up.settings().max_upload_size) {
      if (auto s = deps.admit_storage(principal.user_id, length); !s) return s.error();
    }
    return up.create(principal, length, metadata);
  };
  auto created = co_await deps.blocking->run(create);
  if (!created) co_return created.error();
  upload::Upload u = *created;
  if (request->has_body || length == 0) {
    // creation-with-upload (and an empty file, complete at once).
    auto begin = [&up, &principal, id = u.id, &request] {
      return up.begin_append(principal, id, 0, std::move(request->checksum));
    };
    auto appender = co_await deps.blocking->run(begin);
    if (!appender) co_return appender.error();
    auto appended = co_await append_body(call.request, *deps.blocking, up, principal, std::move(*appender));
    if (!appended) co_return appended.error();
    u = *appended;
  }
  http::Response r;
  r.status = bhttp::status::created;
  r.headers.set(bhttp::field::location, "/api/uploads/" + u.id);
  describe(r, u);
  co_return Answer::of(std::move(r));
}

Result<Answer> tus_status(Call& call, upload::UploadService& uploads) {
  std::string id(call.param("id"));
  auto u = uploads.get(*call.who, id);
  // Complete but not yet a dataset (a crash between the last byte and the dataset): finish now.
  if (u && u->state == "open" && u->offset == u->length) u = uploads.finish(*call.who, id);
  if (!u) return u.error();
  auto r = http::json_response(upload_json(*u));
  describe(r, *u);
  if (!u->metadata.empty()) r.headers.set("Upload-Metadata", encode_metadata(u->metadata));
  return Answer::of(std::move(r));
}

http::asio::awaitable<Result<Answer>> tus_patch(Call& call, UploadDeps deps) {
  auto& up = *deps.uploads;
  auto request = tus_append(call.request);
  if (!request) co_return request.error();
  auto const& principal = *call.who;
  auto begin = [&up, &principal, id = std::string(call.param("id")), &request] {
    return up.begin_append(principal, id, request->offset, std::move(request->checksum));
  };
  auto appender = co_await deps.blocking->run(begin);
  if (!appender) co_return appender.error();
  // Declared past the end: refused before a byte is read.
  if (auto cl = call.request.body->content_length(); cl && request->offset + *cl > (*appender)->length())
    co_return past_upload_length((*appender)->length());
  auto appended = co_await append_body(call.request, *deps.blocking, up, principal, std::move(*appender));
  if (!appended) co_return appended.error();
  http::Response r;
  r.status = bhttp::status::no_content;
  describe(r, *appended);
  co_return Answer::of(std::move(r));
}

Result<Answer> tus_terminate(Call& call, upload::UploadService& uploads) {
  if (auto s = uploads.terminate(*call.who, std::string(call.param("id"))); !s) return s.error();
  return Answer::no_content();
}

http::asio::awaitable<Result<Answer>> form_upload(Call& call, UploadDeps deps) {
  auto& up = *deps.uploads;
  auto& req = call.request;
  auto boundary = upload::MultipartParser::boundary_of(req.header("Content-Type"));
  if (!boundary) co_return boundary.error();
  // A declared length is checked against the limits and the disk before anything is read; an
  // undeclared one as the body streams.
  auto declared = req.body->content_length();
  auto const& principal = *call.who;
  auto const& admit = deps.admit_storage;
  auto open = [&up, declared, &admit, &principal]() -> Result<std::unique_ptr<upload::FormFile>> {
    if (admit && declared.value_or(0) > 0 && *declared <= up.settings().max_upload_size) {
      if (auto s = admit(principal.user_id, *declared); !s) return s.error();
    }
    return up.open_form_file(declared);
  };
  auto file = co_await deps.blocking->run(open);
  if (!file) co_return file.error();
  FormUpload form(**file);
  upload::MultipartParser parser(*boundary, form.handlers());
  std::vector<char> buffer(kBuffer);
  while (true) {
    auto n = co_await req.body->read_some(buffer);
    if (!n) co_return n.error();
    if (*n == 0) break;
    auto feed = [&parser, &buffer, size = *n] { return parser.feed({buffer.data(), size}); };
    if (auto s = co_await deps.blocking->run(feed); !s) co_return s.error();
  }
  auto ingest = [&up, &form, &parser, &file, &principal, &admit]() -> Result<datasets::Dataset> {
    if (auto s = parser.finish(); !s) return s.error();
    if (auto s = form.close(); !s) return s.error();
    // A chunked body declared no length: the quota is checked on what arrived.
    if (admit) {
      if (auto s = admit(principal.user_id, (*file)->size()); !s) return s.error();
    }
    auto d = up.ingest(principal, form.metadata(), (*file)->path(), (*file)->size());
    if (d) (*file)->keep();  // moved into the store
    return d;
  };
  auto d = co_await deps.blocking->run(ingest);
  if (!d) co_return d.error();
  auto res = http::json_response(dataset_json(*d, principal), bhttp::status::created);
  res.headers.set(bhttp::field::location, "/api/datasets/" + d->id);
  co_return Answer::of(std::move(res));
}

void add_upload_routes(http::Router& router, Authenticator& authn, upload::UploadService& uploads,
                       UploadLimits limits) {
  auto* up = &uploads;
  UploadDeps deps{
      .uploads = up, .blocking = &authn.blocking(), .admit_storage = std::move(limits.admit_storage)};
  auto max_size = uploads.settings().max_upload_size;
  // Every tus answer carries the protocol's headers, errors included; the version spoken is named on
  // every answer too, as tus asks of a 412 and of OPTIONS (an Error carries no headers of its own).
  boost::beast::http::fields tus_headers;
  tus_headers.set("Tus-Resumable", kTusVersion);
  tus_headers.set("Tus-Version", kTusVersion);
  tus_headers.set(bhttp::field::cache_control, "no-store");
  auto tus = [&tus_headers](verb method, std::string pattern) {
    return Endpoint{.method = method,
                    .pattern = std::move(pattern),
                    .access = Access::user,
                    .precondition = tus_version,
                    .headers = tus_headers};
  };
  auto streamed = [max_chunk = limits.max_chunk_size](Endpoint e) {
    e.body = Body::stream;
    e.max_body = max_chunk;
    return e;
  };

  using Doc = http::RouteDoc;
  std::string const tag = "uploads";
  Doc::Param const resumable{.name = "Tus-Resumable", .schema = R"({"const":"1.0.0"})", .required = true};
  Doc::Param const checksum{.name = "Upload-Checksum",
                            .description =
                                "<algorithm> <base64 digest> of this request's body (md5, sha1, "
                                "sha256, sha512): 460 checksum_mismatch when it differs"};
  std::vector<Doc::Content> const octets{{std::string(kOctetStream)}};

  auto e = tus(verb::options, "/api/uploads");
  e.access = Access::unidentified;
  e.precondition = nullptr;  // OPTIONS is how a client learns the version
  e.handler = [max_size](Call& c) { return tus_options(c, max_size); };
  e.doc = {
      .summary = "tus: what this server supports",
      .tag = tag,
      .answers = {{.status = 204,
                   .description = "The tus version, extensions, maximum size and checksum algorithms",
                   .headers = {"Tus-Version", "Tus-Extension", "Tus-Max-Size", "Tus-Checksum-Algorithm"}}}};
  add_endpoint(router, authn, std::move(e));

  e = streamed(tus(verb::post, "/api/uploads"));
  e.io_handler = [deps](Call& c) { return tus_create(c, deps); };
  e.doc = {
      .summary = "tus: create an upload (optionally with its first bytes)",
      .tag = tag,
      .description =
          "Metadata keys (base64 values): filename, name, description, category, visibility, "
          "stretch, cuts (LO,HI), hdu, plane. An empty file, or a body holding the whole file, "
          "becomes a dataset at once (X-Dataset-Id). A body whose first bytes start no accepted "
          "image is refused (415 unsupported_format) and the upload discarded",
      .headers = {resumable,
                  {.name = "Upload-Length", .schema = R"({"type":"integer","minimum":0})", .required = true},
                  {.name = "Upload-Metadata", .description = "key base64,key base64,..."},
                  checksum},
      .body = octets,
      .body_required = false,
      .answers = {{.status = 201,
                   .description = "Created",
                   .headers = {"Location", "Upload-Offset", "Upload-Expires", "X-Dataset-Id"}}},
      .errors = {400, 403, 409, 412, 415, 422, 460, 507}};
  add_endpoint(router, authn, std::move(e));

  // HEAD (through the GET route) is tus's; GET adds a JSON body for browsers, without the version.
  e = tus(verb::get, "/api/uploads/{id}");
  e.precondition = [](http::Request const& req) -> Status {
    return req.method == verb::head ? tus_version(req) : Status{};
  };
  e.handler = [up](Call& c) { return tus_status(c, *up); };
  e.doc = {.summary = "An upload's state as JSON",
           .tag = tag,
           .description = "Another user's upload is 404 like a missing one; 410 after expiry",
           .answers = {{.status = 200,
                        .description = "The upload",
                        .content = {{"application/json", "Upload"}},
                        .headers = {"Upload-Offset", "Upload-Length", "Upload-Metadata", "Upload-Expires",
                                    "X-Dataset-Id"}}},
           .errors = {404, 410, 412},
           .head = Doc::Head{.summary = "tus: an upload's offset and length", .headers = {resumable}}};
  add_endpoint(router, authn, std::move(e));

  e = streamed(tus(verb::patch, "/api/uploads/{id}"));
  e.io_handler = [deps](Call& c) { return tus_patch(c, deps); };
  e.doc = {
      .summary = "tus: append bytes at the upload's offset",
      .tag = tag,
      .description =
          "The last byte makes the dataset (X-Dataset-Id). Bytes of a body that breaks off are "
          "kept: resume from HEAD. The file's first 16 bytes are checked as soon as they arrive: "
          "415 unsupported_format and the upload is discarded when they start no accepted image",
      .headers = {resumable,
                  {.name = "Upload-Offset", .schema = R"({"type":"integer","minimum":0})", .required = true},
                  checksum},
      .body = octets,
      .answers = {{.status = 204, .description = "Appended", .headers = {"Upload-Offset", "X-Dataset-Id"}}},
      .errors = {400, 404, 409, 410, 412, 415, 422, 460, 507}};
  add_endpoint(router, authn, std::move(e));

  e = tus(verb::delete_, "/api/uploads/{id}");
  e.handler = [up](Call& c) { return tus_terminate(c, *up); };
  e.doc = {.summary = "tus: abandon an upload",
           .tag = tag,
           .headers = {resumable},
           .answers = {empty_answer("Removed")},
           .errors = {404, 412}};
  add_endpoint(router, authn, std::move(e));

  // The small-file path: one multipart form, not tus.
  add_endpoint(router, authn,
               {.method = verb::post,
                .pattern = "/api/datasets/upload",
                .access = Access::user,
                .body = Body::stream,
                .max_body = uploads.settings().max_upload_size + (1 << 20),
                .io_handler = [deps](Call& c) { return form_upload(c, deps); },
                .doc = {.summary = "Upload a small file in one multipart form",
                        .tag = tag,
                        .description = "The same fields as tus metadata, and the file as the part named file",
                        .body = {{"multipart/form-data", "UploadForm"}},
                        .answers = {{.status = 201,
                                     .description = "The dataset",
                                     .content = {{"application/json", "Dataset"}},
                                     .headers = {"Location"}}},
                        .errors = {400, 403, 415, 422, 507}}});
}

}  // namespace astropixel::api
