#pragma once
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace astropixel::http {

// A byte range of an open file, sent without loading it into memory.
struct FileRange {
  std::shared_ptr<int const> fd;  // closes on last release
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

struct Response {
  boost::beast::http::status status = boost::beast::http::status::ok;
  boost::beast::http::fields headers;
  std::string body;
  std::optional<FileRange> file;  // when set, sent instead of `body`
};

Response json_response(boost::json::value const& value,
                       boost::beast::http::status status = boost::beast::http::status::ok);
Response text_response(std::string body, std::string_view content_type,
                       boost::beast::http::status status = boost::beast::http::status::ok);

// Opens `path` read-only for a FileRange (nullptr when it cannot be opened).
std::shared_ptr<int const> open_file(char const* path);

}  // namespace astropixel::http
