#pragma once
// Downloads of what a dataset was made from: GET (and HEAD) /api/datasets/{id}/original, the
// uploaded file streamed from the blob store with Range, ETag and a safe Content-Disposition.
#include <string>
#include <string_view>

#include "api/authn.hpp"
#include "datasets/dataset_service.hpp"
#include "http/router.hpp"
#include "storage/blob_store.hpp"

namespace astropixel::api {

void add_download_routes(http::Router& router, Authenticator& authn, datasets::DatasetService& datasets,
                         storage::BlobStore& blobs);

// The Content-Disposition value for a download named `name` (an uploader's file name, hostile or
// not): `attachment; filename="..."` with an ASCII stand-in that cannot end the quoted string or
// the header, plus RFC 6266/8187 `filename*` when the name is not plain ASCII. `fallback` is used
// when nothing usable is left of the name.
std::string attachment_disposition(std::string_view name, std::string_view fallback);

// The media type of a source in `format` (the probe's format name), else application/octet-stream.
std::string_view source_media_type(std::string_view format);

}  // namespace astropixel::api
