#pragma once
// The one vocabulary of expected failures. Every layer returns these as values; http/error_table.cpp
// is the single place that turns a code into an HTTP status.
#include <boost/system/result.hpp>
#include <string>
#include <string_view>

namespace astropixel {

enum class ErrorCode {
  bad_request,          // malformed syntax the client must fix
  validation,           // well-formed but invalid field values
  unauthorized,         // no or invalid credentials
  forbidden,            // authenticated but not allowed
  not_found,            // absent, or not visible to the caller
  method_not_allowed,   // route exists, method does not
  conflict,             // uniqueness or state conflict
  gone,                 // existed once and is gone for good (an expired upload)
  precondition_failed,  // a required protocol precondition does not hold (tus version)
  payload_too_large,    // body or declared length over a limit
  header_too_large,     // request header block over the limit
  range_not_satisfiable,
  unsupported_media_type,
  unprocessable,  // understood but cannot be processed (e.g. corrupt image)
  rate_limited,
  unavailable,  // a dependency (database, storage) is down or saturated
  insufficient_storage,
  cancelled,          // the caller asked to stop
  checksum_mismatch,  // the body does not match the checksum the client sent (tus: 460)
  internal,
};

// Stable, machine-readable name of a code ("not_found", ...), used in JSON bodies and logs.
std::string_view to_string(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;    // short human sentence, safe to show to the client
  std::string detail;     // more context, safe to show to the client
  std::string reason{};   // optional finer machine code ("username_taken"); empty = to_string(code)
  std::string field{};    // the request field at fault, when there is one ("email")
  int retry_after_s = 0;  // for rate_limited/unavailable: seconds the client should wait

  std::string_view machine_code() const { return reason.empty() ? to_string(code) : reason; }
};

Error make_error(ErrorCode code, std::string message, std::string detail = {});

// A validation error that names the request field at fault.
Error invalid_field(std::string field, std::string message);

// boost::system::result calls this when value() is used on an error.
[[noreturn]] void throw_exception_from_error(Error const& e, boost::source_location const& loc);

template <class T>
using Result = boost::system::result<T, Error>;
using Status = boost::system::result<void, Error>;

}  // namespace astropixel
