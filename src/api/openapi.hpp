#pragma once
// The OpenAPI 3.1 document of the API, generated from the router's table: each route's pattern and
// method, and the docs record its declaration carries (http::RouteDoc: summary, tag, parameters,
// body, answers, security, error statuses). Test-only routes (/api/_test/...) are left out. A route
// with no docs at all is left out and named in `undocumented`, which the tests refuse.
#include <boost/beast/http/verb.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "http/router.hpp"

namespace astropixel::api {

// A router pattern as an OpenAPI path template and its path parameters:
// "/api/datasets/{id}/v{version:int}/image.dzi" → "/api/datasets/{id}/v{version}/image.dzi" with
// `id` a string and `version` an integer.
struct OpenApiPath {
  std::string path;
  std::vector<http::RouteDoc::Param> params;
};
OpenApiPath openapi_path(std::string_view pattern);

// Routes that exist only with TEST_ROUTES, never described.
bool is_test_only(std::string_view pattern);

struct OpenApiDocument {
  boost::json::object json;
  std::vector<std::string> undocumented;  // "GET /api/x" for each route with no docs
};
OpenApiDocument openapi_document(http::Router const& router, std::string_view version);

}  // namespace astropixel::api
