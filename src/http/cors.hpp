#pragma once
#include <boost/beast/http/fields.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace astropixel::http {

// CORS for an allow-list of exact origins ("https://app.example.org"). Listed origins get their
// own origin echoed with credentials allowed; others get nothing, and never "*".
class CorsPolicy {
 public:
  explicit CorsPolicy(std::vector<std::string> origins) : origins_(std::move(origins)) {}
  bool allowed(std::string_view origin) const;
  // Headers for an actual (non-preflight) response to a request carrying `origin`.
  void apply(std::string_view origin, boost::beast::http::fields& out) const;
  // Headers for a preflight answer; false when the origin or method is refused.
  bool preflight(std::string_view origin, std::string_view method, std::string_view request_headers,
                 boost::beast::http::fields& out) const;

 private:
  std::vector<std::string> origins_;
};

}  // namespace astropixel::http
