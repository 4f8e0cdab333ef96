#include "http/cors.hpp"

#include <algorithm>

namespace astropixel::http {

namespace field = boost::beast::http;

bool CorsPolicy::allowed(std::string_view origin) const {
  return !origin.empty() && std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

void CorsPolicy::apply(std::string_view origin, boost::beast::http::fields& out) const {
  out.set(field::field::vary, "Origin");
  if (!allowed(origin)) return;
  out.set(field::field::access_control_allow_origin, origin);
  out.set(field::field::access_control_allow_credentials, "true");
  out.set(
      field::field::access_control_expose_headers,
      "X-Request-ID, ETag, Content-Range, Retry-After, RateLimit, RateLimit-Policy, Location, Upload-Offset, "
      "Upload-Length, Tus-Version, Tus-Resumable, Tus-Max-Size, Tus-Extension, Upload-Expires");
}

bool CorsPolicy::preflight(std::string_view origin, std::string_view method, std::string_view request_headers,
                           boost::beast::http::fields& out) const {
  out.set(field::field::vary, "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  static constexpr std::string_view kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  if (!allowed(origin) || std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods)) {
    return false;
  }
  out.set(field::field::access_control_allow_origin, origin);
  out.set(field::field::access_control_allow_credentials, "true");
  out.set(field::field::access_control_allow_methods, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
  if (!request_headers.empty()) out.set(field::field::access_control_allow_headers, request_headers);
  out.set(field::field::access_control_max_age, "600");
  return true;
}

}  // namespace astropixel::http
