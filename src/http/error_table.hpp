#pragma once
#include <boost/beast/http/status.hpp>

#include "core/error.hpp"
#include "http/response.hpp"

namespace astropixel::http {

// The one table from error codes to HTTP statuses.
boost::beast::http::status status_of(ErrorCode code);

// The JSON error body every non-2xx API answer carries: message, detail, code, request_id.
// Server-side failures (5xx) show generic text unless `debug`, so nothing internal leaks.
Response error_response(Error const& error, std::string_view request_id, bool debug);

}  // namespace astropixel::http
