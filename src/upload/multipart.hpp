#pragma once
// A streaming multipart/form-data parser (RFC 7578): bytes go in as they arrive, parts come out as
// callbacks, so a file part of any size passes through a fixed amount of memory. Hostile input is
// bounded: part headers ≤ 8 KiB, at most 64 parts.
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace astropixel::upload {

struct PartInfo {
  std::string name;      // form field name
  std::string filename;  // empty for plain fields
  std::string content_type;
};

class MultipartParser {
 public:
  struct Handlers {
    std::function<Status(PartInfo const&)> begin;
    std::function<Status(std::span<char const>)> data;
    std::function<Status()> end;
  };

  // The boundary parameter of a multipart/form-data Content-Type. Errors: unsupported_media_type
  // for another type, bad_request for a missing or malformed boundary.
  static Result<std::string> boundary_of(std::string_view content_type);

  MultipartParser(std::string boundary, Handlers handlers);
  // Errors: bad_request (malformed), and whatever a handler returns.
  Status feed(std::span<char const> bytes);
  // Errors: bad_request when the body ended before the closing boundary.
  Status finish();

 private:
  enum class State { preamble, headers, body, after_delimiter, done };
  Status parse_headers(std::string_view block);
  Status emit(std::span<char const> bytes);

  std::string delimiter_;  // "\r\n--" + boundary
  Handlers handlers_;
  State state_ = State::preamble;
  std::string pending_;  // bytes not yet known to be outside a delimiter, or header bytes
  int parts_ = 0;
};

}  // namespace astropixel::upload
