#pragma once
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace astropixel::http {

// Reads up to `size` bytes at `offset` into `out`; the count, or -1 on failure (a blob in an object
// store, read by ranges).
using RangeReader = std::function<std::int64_t(std::uint64_t offset, char* out, std::size_t size)>;

// A byte range of an open file, or of anything `read` can read by offset, sent a chunk at a time
// without loading it into memory.
struct FileRange {
  std::shared_ptr<int const> fd;  // closes on last release; unused when `read` is set
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  RangeReader read{};
};

// Bytes that live elsewhere (a tile in a mapped pyramid), sent without a copy; `owner` keeps them
// valid until the response has been written.
struct SharedBytes {
  std::shared_ptr<void const> owner;
  std::string_view bytes;
};

struct Response {
  boost::beast::http::status status = boost::beast::http::status::ok;
  boost::beast::http::fields headers;
  std::string body;
  std::optional<FileRange> file;      // when set, sent instead of `body`
  std::optional<SharedBytes> shared;  // when set, sent instead of `body`
};

Response json_response(boost::json::value const& value,
                       boost::beast::http::status status = boost::beast::http::status::ok);
Response text_response(std::string body, std::string_view content_type,
                       boost::beast::http::status status = boost::beast::http::status::ok);

// Opens `path` read-only for a FileRange (nullptr when it cannot be opened).
std::shared_ptr<int const> open_file(char const* path);

}  // namespace astropixel::http
