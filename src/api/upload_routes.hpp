#pragma once
// tus 1.0 at /api/uploads: core, creation, creation-with-upload, termination, expiration.
#include "api/authn.hpp"
#include "http/router.hpp"
#include "upload/upload_service.hpp"

namespace astropixel::api {

struct UploadLimits {
  std::uint64_t max_chunk_size = 0;  // one PATCH (or POST) body
};

void add_upload_routes(http::Router& router, Authenticator& authn, upload::UploadService& uploads,
                       UploadLimits limits);

}  // namespace astropixel::api
