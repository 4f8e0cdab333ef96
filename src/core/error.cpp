#include "core/error.hpp"

#include <stdexcept>

namespace astropixel {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::bad_request:
      return "bad_request";
    case ErrorCode::validation:
      return "validation_error";
    case ErrorCode::unauthorized:
      return "unauthorized";
    case ErrorCode::forbidden:
      return "forbidden";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::method_not_allowed:
      return "method_not_allowed";
    case ErrorCode::conflict:
      return "conflict";
    case ErrorCode::payload_too_large:
      return "payload_too_large";
    case ErrorCode::header_too_large:
      return "header_too_large";
    case ErrorCode::range_not_satisfiable:
      return "range_not_satisfiable";
    case ErrorCode::unsupported_media_type:
      return "unsupported_media_type";
    case ErrorCode::unprocessable:
      return "unprocessable";
    case ErrorCode::rate_limited:
      return "rate_limited";
    case ErrorCode::unavailable:
      return "service_unavailable";
    case ErrorCode::insufficient_storage:
      return "insufficient_storage";
    case ErrorCode::cancelled:
      return "cancelled";
    case ErrorCode::gone:
      return "gone";
    case ErrorCode::precondition_failed:
      return "precondition_failed";
    case ErrorCode::checksum_mismatch:
      return "checksum_mismatch";
    case ErrorCode::internal:
      return "internal";
  }
  return "internal";
}

Error invalid_field(std::string field, std::string message) {
  Error e = make_error(ErrorCode::validation, std::move(message));
  e.field = std::move(field);
  return e;
}

Error make_error(ErrorCode code, std::string message, std::string detail) {
  return Error{code, std::move(message), std::move(detail)};
}

void throw_exception_from_error(Error const& e, boost::source_location const&) {
  throw std::runtime_error(std::string(e.machine_code()) + ": " + e.message + " " + e.detail);
}

}  // namespace astropixel
