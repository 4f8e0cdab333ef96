#pragma once
// tus `Upload-Metadata`: comma-separated pairs "key base64(value)", the value optional. Parsed
// strictly: keys are ASCII without spaces or commas and appear once; values must be canonical
// base64 and decode to valid UTF-8 without NUL.
#include <map>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace astropixel::upload {

using Metadata = std::map<std::string, std::string>;

// Errors: bad_request (reason invalid_upload_metadata) naming the offending pair.
Result<Metadata> parse_upload_metadata(std::string_view header);

}  // namespace astropixel::upload
