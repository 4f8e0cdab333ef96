#pragma once
// tus 1.0 at /api/uploads: core, creation, creation-with-upload, termination, expiration; and the
// small-file multipart form at /api/datasets/upload.
#include <functional>
#include <memory>

#include "api/authn.hpp"
#include "api/endpoint.hpp"
#include "http/router.hpp"
#include "upload/checksum.hpp"
#include "upload/upload_service.hpp"

namespace astropixel::api {

struct UploadLimits {
  std::uint64_t max_chunk_size = 0;  // one PATCH (or POST) body
  // The user's storage quota: may `user_id` store `bytes` more? Asked at creation with the declared
  // length, before anything is stored (errors: 403 quota_exceeded). Runs on the blocking pool.
  std::function<Status(std::string const& user_id, std::uint64_t bytes)> admit_storage;
};

void add_upload_routes(http::Router& router, Authenticator& authn, upload::UploadService& uploads,
                       UploadLimits limits);

// What the upload handlers use.
struct UploadDeps {
  upload::UploadService* uploads = nullptr;
  http::BlockingPool* blocking = nullptr;
  std::function<Status(std::string const& user_id, std::uint64_t bytes)> admit_storage;
};

// tus's request headers (exposed for tests). Errors: 412 tus_version_unsupported.
Status tus_version(http::Request const& req);
struct TusCreation {
  std::uint64_t length = 0;
  bool has_body = false;                       // creation-with-upload
  std::unique_ptr<upload::Checksum> checksum;  // null without Upload-Checksum
};
// A creation's Upload-Length, body and checksum. Errors: 400 invalid_tus_header (deferred or bad
// length), 415 (a body that is not application/offset+octet-stream), 413 past_upload_length.
Result<TusCreation> tus_creation(http::Request const& req);
struct TusAppend {
  std::uint64_t offset = 0;
  std::unique_ptr<upload::Checksum> checksum;
};
// A PATCH's Upload-Offset and checksum. Errors: 415, 400 invalid_tus_header, bad checksum headers.
Result<TusAppend> tus_append(http::Request const& req);

// The handlers, one per endpoint; the streamed ones read the body as it arrives.
Result<Answer> tus_options(Call& call, std::uint64_t max_size);
http::asio::awaitable<Result<Answer>> tus_create(Call& call, UploadDeps deps);
Result<Answer> tus_status(Call& call, upload::UploadService& uploads);
http::asio::awaitable<Result<Answer>> tus_patch(Call& call, UploadDeps deps);
Result<Answer> tus_terminate(Call& call, upload::UploadService& uploads);
http::asio::awaitable<Result<Answer>> form_upload(Call& call, UploadDeps deps);

}  // namespace astropixel::api
