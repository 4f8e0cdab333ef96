#include "api/json_body.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>

#include "core/error_catalogue.hpp"

namespace astropixel::api {

http::asio::awaitable<Result<boost::json::object>> read_json_object(http::Request& req) {
  auto text = co_await req.body->read_all();
  if (!text) co_return text.error();
  boost::system::error_code ec;
  auto value = boost::json::parse(*text, ec);
  if (ec || !value.is_object()) {
    Error e = make_error(ErrorCode::bad_request, "Invalid JSON", "The body must be a JSON object");
    e.reason = errc::invalid_json.code;
    co_return e;
  }
  co_return std::move(value.as_object());
}

Result<std::optional<std::string>> optional_string(boost::json::object const& o, std::string_view key) {
  auto const* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<std::string>{};
  if (!v->is_string()) {
    Error e = make_error(ErrorCode::validation, std::string(key) + " must be a string");
    e.field = std::string(key);
    return e;
  }
  return std::optional<std::string>(std::string(v->as_string()));
}

Result<std::string> required_string(boost::json::object const& o, std::string_view key) {
  auto v = optional_string(o, key);
  if (!v) return v.error();
  if (!*v) {
    Error e = make_error(ErrorCode::validation, std::string(key) + " is required");
    e.field = std::string(key);
    e.reason = errc::missing_field.code;
    return e;
  }
  return std::move(**v);
}

std::string iso8601(std::int64_t unix_ms) {
  auto tp = std::chrono::system_clock::time_point(std::chrono::milliseconds(unix_ms));
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(tp));
}

}  // namespace astropixel::api
