#include "api/openapi.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "api/endpoint.hpp"
#include "api/openapi_schemas.hpp"
#include "api/system_routes.hpp"
#include "core/error_catalogue.hpp"

namespace astropixel::api {
namespace {

namespace json = boost::json;
using boost::beast::http::verb;

http::Handler nothing() {
  return [](http::Request&) -> http::asio::awaitable<Result<http::Response>> { co_return http::Response{}; };
}

// Every "$ref" under `v`.
void refs(json::value const& v, std::vector<std::string>& out) {
  if (v.is_object()) {
    for (auto const& [k, x] : v.as_object()) {
      if (k == "$ref" && x.is_string()) out.emplace_back(x.as_string());
      refs(x, out);
    }
  } else if (v.is_array()) {
    for (auto const& x : v.as_array()) refs(x, out);
  }
}

TEST(OpenApiPath, TypedParametersBecomeTemplates) {
  auto p =
      openapi_path("/api/datasets/{id}/v{version:int}/image_files/{level:int}/{col:int}_{row:int}.{fmt}");
  EXPECT_EQ(p.path, "/api/datasets/{id}/v{version}/image_files/{level}/{col}_{row}.{fmt}");
  ASSERT_EQ(p.params.size(), 6u);
  EXPECT_EQ(p.params[0].name, "id");
  EXPECT_EQ(json::parse(p.params[0].schema).at("type"), "string");
  for (std::size_t i : {1u, 2u, 3u, 4u}) EXPECT_EQ(json::parse(p.params[i].schema).at("type"), "integer");
  auto rest = openapi_path("/iiif/{rest:path}");
  EXPECT_EQ(rest.path, "/iiif/{rest}");
  EXPECT_NE(rest.params.at(0).description.find('/'), std::string::npos);
  EXPECT_EQ(openapi_path("/api/health").path, "/api/health");
  EXPECT_TRUE(openapi_path("/api/health").params.empty());
}

TEST(Documented, TheDeclarationAddsSecurityBodyAndErrorAnswers) {
  auto guest_read = documented({.pattern = "/x", .rate_policy = ""});
  EXPECT_EQ(guest_read.security, "optional");
  EXPECT_TRUE(guest_read.errors.empty());
  EXPECT_TRUE(guest_read.body.empty());

  auto write = documented({.method = verb::post,
                           .pattern = "/x",
                           .access = Access::user,
                           .body = Body::json,
                           .doc = {.summary = "s", .body = json_body("Dataset"), .errors = {404}}});
  EXPECT_EQ(write.security, "user");
  EXPECT_TRUE(write.body_required);
  ASSERT_EQ(write.body.size(), 1u);
  EXPECT_EQ(write.body[0].schema, "Dataset");
  // 401 (user), 403 (CSRF on a cookie write), 400/413/415 (JSON body), 404 (its own), 429 (rate).
  EXPECT_EQ(write.errors, (std::vector<int>{400, 401, 403, 404, 413, 415, 429}));

  auto admin = documented({.pattern = "/x", .access = Access::admin, .body = Body::optional_json});
  EXPECT_EQ(admin.security, "admin");
  EXPECT_FALSE(admin.body_required);
  EXPECT_EQ(admin.body.at(0).media_type, "application/json");
  EXPECT_EQ(admin.errors, (std::vector<int>{400, 401, 403, 413, 415, 429}));

  auto sign_in = documented({.method = verb::post, .pattern = "/x", .access = Access::unidentified});
  EXPECT_EQ(sign_in.security, "public");
}

// A router as the server builds it, for the parts that need no services: the system routes, one
// documented endpoint, one raw route without docs, a test-only route and a side-documented route.
struct Fixture {
  http::Router router;
  Fixture() {
    SystemDeps deps;
    deps.version = "1.2.3";
    add_system_routes(router, deps);
    router.add(verb::get, "/api/undocumented", nothing());
    router.add(verb::get, "/api/_test/throw", nothing());
    router.add(
        verb::get, "/api/offsets/{id}", nothing(),
        {.doc = {.summary = "An offset as JSON",
                 .tag = "things",
                 .answers = {{.status = 200,
                              .content = {{"application/json", "Upload"}},
                              .headers = {"Upload-Offset"}}},
                 .errors = {404},
                 .head = http::RouteDoc::Head{.summary = "The offset",
                                              .headers = {{.name = "Tus-Resumable", .required = true}}}}});
    router.add(verb::post, "/api/things/{id:int}", nothing(),
               {.doc = {.summary = "Make a thing",
                        .tag = "things",
                        .security = "user",
                        .query = {{.name = "dry", .schema = R"({"type":"boolean"})"}},
                        .body = json_body("Dataset"),
                        .answers = {json_answer("Dataset", 201)},
                        .errors = {401, 404}}});
  }
};

TEST(OpenApiDocument, DescribesEveryDocumentedRouteAndNamesTheOthers) {
  Fixture f;
  auto doc = openapi_document(f.router, "1.2.3");
  EXPECT_EQ(doc.undocumented, std::vector<std::string>{"GET /api/undocumented"});
  auto const& j = doc.json;
  EXPECT_EQ(j.at("openapi"), "3.1.0");
  EXPECT_EQ(j.at("info").at("version"), "1.2.3");
  auto const& paths = j.at("paths").as_object();
  for (auto const* p :
       {"/api/health", "/metrics", "/api/openapi.json", "/api/docs", "/api/docs/{file}", "/api/things/{id}"})
    EXPECT_TRUE(paths.contains(p)) << p;
  EXPECT_FALSE(paths.contains("/api/undocumented"));
  EXPECT_FALSE(paths.contains("/api/_test/throw"));

  auto const& op = paths.at("/api/things/{id}").at("post").as_object();
  EXPECT_EQ(op.at("summary"), "Make a thing");
  auto const& params = op.at("parameters").as_array();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].at("in"), "path");
  EXPECT_EQ(params[0].at("required"), true);
  EXPECT_EQ(params[0].at("schema").at("type"), "integer");
  EXPECT_EQ(params[1].at("in"), "query");
  EXPECT_EQ(paths.at("/api/docs/{file}").at("get").at("parameters").at(0).at("schema").at("type"), "string");
  EXPECT_EQ(op.at("requestBody").at("content").at("application/json").at("schema").at("$ref"),
            "#/components/schemas/Dataset");
  auto const& responses = op.at("responses").as_object();
  EXPECT_EQ(responses.at("201").at("content").at("application/json").at("schema").at("$ref"),
            "#/components/schemas/Dataset");
  for (auto const* status : {"401", "404", "default"})
    EXPECT_EQ(responses.at(status).at("content").at("application/json").at("schema").at("$ref"),
              "#/components/schemas/Error")
        << status;
  // A write by cookie needs the CSRF header beside it; a bearer token alone is enough.
  auto const& security = op.at("security").as_array();
  ASSERT_EQ(security.size(), 2u);
  EXPECT_TRUE(security[0].as_object().contains("bearerAuth"));
  EXPECT_TRUE(security[1].as_object().contains("sessionCookie"));
  EXPECT_TRUE(security[1].as_object().contains("csrfHeader"));
  // Health is for anyone, with no credentials at all; metrics may need its own token.
  EXPECT_FALSE(paths.at("/api/health").at("get").as_object().contains("security"));
  EXPECT_TRUE(
      paths.at("/metrics").at("get").at("security").as_array()[1].as_object().contains("metricsToken"));
  // HEAD, described on its own where a protocol uses it: GET's answers without their bodies.
  auto const& offsets = paths.at("/api/offsets/{id}").as_object();
  EXPECT_EQ(offsets.at("head").at("summary"), "The offset");
  auto const& head_params = offsets.at("head").at("parameters").as_array();
  ASSERT_EQ(head_params.size(), 2u);
  EXPECT_EQ(head_params[1].at("name"), "Tus-Resumable");
  EXPECT_EQ(head_params[1].at("in"), "header");
  EXPECT_FALSE(offsets.at("head").at("responses").at("200").as_object().contains("content"));
  EXPECT_TRUE(
      offsets.at("head").at("responses").at("200").at("headers").as_object().contains("Upload-Offset"));
  EXPECT_TRUE(offsets.at("get").at("responses").at("200").as_object().contains("content"));
  EXPECT_EQ(offsets.at("get").at("parameters").as_array().size(), 1u);
}

TEST(OpenApiDocument, EveryReferenceResolvesAndOperationIdsAreUnique) {
  Fixture f;
  auto doc = openapi_document(f.router, "x");
  auto const& schemas = doc.json.at("components").at("schemas").as_object();
  EXPECT_EQ(schemas.at("DatasetStatusName").at("type"), "string");  // an enum of strings says so
  std::vector<std::string> all;
  refs(doc.json, all);
  EXPECT_FALSE(all.empty());
  for (auto const& r : all) {
    ASSERT_TRUE(r.starts_with("#/components/schemas/")) << r;
    EXPECT_TRUE(schemas.contains(r.substr(21))) << r;
  }
  std::set<std::string> ids;
  std::size_t operations = 0;
  for (auto const& [path, item] : doc.json.at("paths").as_object()) {
    for (auto const& [method, op] : item.as_object()) {
      ++operations;
      EXPECT_TRUE(ids.insert(std::string(op.at("operationId").as_string())).second) << path << " " << method;
      // Each template in the path has its parameter.
      std::size_t templates = std::count(path.begin(), path.end(), '{');
      std::size_t in_path = 0;
      if (auto const* ps = op.as_object().if_contains("parameters"))
        for (auto const& p : ps->as_array()) in_path += p.at("in") == "path";
      EXPECT_EQ(templates, in_path) << path;
    }
  }
  // Less the undocumented and the test-only routes, plus the HEAD described on its own.
  EXPECT_EQ(operations, f.router.routes().size() - 2 + 1);
}

TEST(OpenApiSchemas, TheErrorContractListsTheCatalogue) {
  auto schemas = openapi_schemas();
  auto const& error = schemas.at("Error").as_object();
  auto const& codes = error.at("properties").at("code").at("enum").as_array();
  EXPECT_EQ(codes.size(), error_catalogue().size());
  EXPECT_NE(std::find(codes.begin(), codes.end(), json::value("not_found")), codes.end());
  for (auto const* field : {"message", "detail", "code", "request_id"}) {
    auto const& required = error.at("required").as_array();
    EXPECT_NE(std::find(required.begin(), required.end(), json::value(field)), required.end()) << field;
  }
  // Every schema's own references resolve too.
  std::vector<std::string> all;
  refs(schemas, all);
  for (auto const& r : all) EXPECT_TRUE(schemas.contains(r.substr(21))) << r;
}

}  // namespace
}  // namespace astropixel::api
