#pragma once
// tus 1.0 at /api/uploads: core, creation, creation-with-upload, termination, expiration.
#include <functional>

#include "api/authn.hpp"
#include "http/router.hpp"
#include "upload/upload_service.hpp"

namespace astropixel::api {

struct UploadLimits {
  std::uint64_t max_chunk_size = 0;  // one PATCH (or POST) body
  // The user's storage quota: may `user_id` store `bytes` more? Asked at creation with the declared
  // length, before anything is stored (errors: 403 quota_exceeded). Runs on the blocking pool.
  std::function<Status(std::string const& user_id, std::uint64_t bytes)> admit_storage;
  bool debug = false;  // DEBUG: 5xx answers carry their details
};

void add_upload_routes(http::Router& router, Authenticator& authn, upload::UploadService& uploads,
                       UploadLimits limits);

}  // namespace astropixel::api
