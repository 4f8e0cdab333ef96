#pragma once
// The JSON Schemas of the API's bodies, named as route docs name them (http::RouteDoc): one place
// for every schema of the OpenAPI document (api/openapi.hpp), the error contract's included.
#include <boost/json/object.hpp>

namespace astropixel::api {

// name → JSON Schema (2020-12, OpenAPI 3.1's dialect), for `components.schemas`.
boost::json::object openapi_schemas();

}  // namespace astropixel::api
