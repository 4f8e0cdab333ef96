#include "http/error_table.hpp"

#include <boost/json.hpp>

#include "core/error_catalogue.hpp"

namespace astropixel::http {

using boost::beast::http::status;

status status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::bad_request:
      return status::bad_request;
    case ErrorCode::validation:
      return status::bad_request;
    case ErrorCode::unauthorized:
      return status::unauthorized;
    case ErrorCode::forbidden:
      return status::forbidden;
    case ErrorCode::not_found:
      return status::not_found;
    case ErrorCode::method_not_allowed:
      return status::method_not_allowed;
    case ErrorCode::conflict:
      return status::conflict;
    case ErrorCode::payload_too_large:
      return status::payload_too_large;
    case ErrorCode::header_too_large:
      return status::request_header_fields_too_large;
    case ErrorCode::range_not_satisfiable:
      return status::range_not_satisfiable;
    case ErrorCode::unsupported_media_type:
      return status::unsupported_media_type;
    case ErrorCode::unprocessable:
      return status::unprocessable_entity;
    case ErrorCode::rate_limited:
      return status::too_many_requests;
    case ErrorCode::unavailable:
      return status::service_unavailable;
    case ErrorCode::insufficient_storage:
      return status::insufficient_storage;
    case ErrorCode::cancelled:
      return status::conflict;
    case ErrorCode::gone:
      return status::gone;
    case ErrorCode::precondition_failed:
      return status::precondition_failed;
    case ErrorCode::checksum_mismatch:
      return static_cast<status>(460);  // tus checksum extension
    case ErrorCode::internal:
      return status::internal_server_error;
  }
  return status::internal_server_error;
}

Response error_response(Error const& error, std::string_view request_id, bool debug) {
  auto st = status_of(error.code);
  std::string message = error.message, detail = error.detail;
  if (static_cast<unsigned>(st) >= 500 && !debug) {
    switch (error.code) {
      case ErrorCode::unavailable:
        message = "Service temporarily unavailable";
        detail = "A dependency is unavailable; retry later";
        break;
      case ErrorCode::insufficient_storage:
        message = "Insufficient storage";
        detail = "The server is out of storage space";
        break;
      default:
        message = "Internal server error";
        detail = "An error occurred";
    }
  }
  if (message.empty()) message = std::string(obsolete_reason(st));
  boost::json::object body{
      {"message", message}, {"detail", detail}, {"code", error.machine_code()}, {"request_id", request_id}};
  if (!error.field.empty()) body["field"] = error.field;
  Response r = json_response(body, st);
  if (error.code == ErrorCode::unauthorized) {
    // RFC 6750: say which scheme, and whether the presented token was the problem (the catalogue's
    // challenge flag: http/ knows no auth reason by name).
    auto const* spec = find_error(error.machine_code());
    bool const bad_token = spec && spec->challenge;
    r.headers.set(
        boost::beast::http::field::www_authenticate,
        bad_token ? "Bearer realm=\"astropixel\", error=\"invalid_token\"" : "Bearer realm=\"astropixel\"");
  }
  if (error.retry_after_s > 0)
    r.headers.set(boost::beast::http::field::retry_after, std::to_string(error.retry_after_s));
  // An error is of its moment: a tile not written yet exists a second later (ADR 0034), a dataset
  // made public is visible at once. Browsers may keep a 404 heuristically; no cache keeps these.
  return r;
}

}  // namespace astropixel::http
