#pragma once
// Serves the built web app: exact files under the web root with content types, ETags, Range and
// caching; any other non-API GET falls back to index.html (the SPA routes on the client). Without
// a built web app it serves a small placeholder page.
#include <filesystem>
#include <string_view>

#include "http/request.hpp"
#include "http/response.hpp"

namespace astropixel::http {

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root);
  Result<Response> serve(Request const& req) const;

 private:
  Result<Response> serve_file(Request const& req, std::filesystem::path const& path, bool immutable) const;
  std::filesystem::path root_;  // canonical, or empty when there is no built web app
};

std::string_view content_type_for(std::string_view extension);

}  // namespace astropixel::http
