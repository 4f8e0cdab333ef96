#include "http/response.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>

namespace astropixel::http {

Response json_response(boost::json::value const& value, boost::beast::http::status status) {
  Response r;
  r.status = status;
  r.headers.set(boost::beast::http::field::content_type, "application/json");
  r.body = boost::json::serialize(value);
  return r;
}

Response text_response(std::string body, std::string_view content_type, boost::beast::http::status status) {
  Response r;
  r.status = status;
  r.headers.set(boost::beast::http::field::content_type, content_type);
  r.body = std::move(body);
  return r;
}

std::shared_ptr<int const> open_file(char const* path) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  return std::shared_ptr<int const>(new int(fd), [](int const* p) {
    ::close(*p);
    delete p;
  });
}

}  // namespace astropixel::http
