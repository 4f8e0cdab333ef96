#pragma once
// Reading small JSON request bodies: parse errors and wrong types become 400s naming the field.
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "http/request.hpp"

namespace astropixel::api {

// Reads and parses the body as a JSON object. Errors: bad_request (invalid_json), payload_too_large.
http::asio::awaitable<Result<boost::json::object>> read_json_object(http::Request& req);

// A string member: nullopt when absent or null. Errors: validation when present with another type.
Result<std::optional<std::string>> optional_string(boost::json::object const& o, std::string_view key);
// Errors: validation when absent or not a string.
Result<std::string> required_string(boost::json::object const& o, std::string_view key);

// Unix milliseconds as the API writes times: "2026-11-28T22:44:12Z".
std::string iso8601(std::int64_t unix_ms);

}  // namespace astropixel::api
