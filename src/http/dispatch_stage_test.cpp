#include <gtest/gtest.h>

#include "http/stage_testing.hpp"
#include "http/stages.hpp"
#include "http/static_files.hpp"

namespace astropixel::http {
namespace {

using testing::run_stage;
using testing::TestExchange;

TEST(DispatchStage, RunsTheMatchedRoutesHandler) {
  Router router;
  router.add(beast_http::verb::get, "/api/x", [](Request& req) -> asio::awaitable<Result<Response>> {
    co_return text_response(std::string(req.route), "text/plain");
  });
  TestExchange t;
  t.x.route = std::get<Router::Found>(router.match(beast_http::verb::get, "/api/x")).route;
  t.x.req.route = "/api/x";
  auto r = run_stage(dispatch_stage(nullptr), t.x);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "/api/x");
}

TEST(DispatchStage, A405NamesTheAllowedMethods) {
  TestExchange t(beast_http::verb::put, "/api/x");
  t.x.allowed_methods = "GET, HEAD";
  auto r = run_stage(dispatch_stage(nullptr), t.x);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::method_not_allowed);
  EXPECT_EQ(t.x.response_headers[beast_http::field::allow], "GET, HEAD");
  EXPECT_EQ(t.x.route_name, "method_not_allowed");
}

TEST(DispatchStage, StaticFilesAnswerOnlyGetAndHeadOutsideTheApi) {
  StaticFiles files("/nonexistent-web-root");  // the placeholder page
  TestExchange page(beast_http::verb::get, "/datasets/abc");
  auto r = run_stage(dispatch_stage(&files), page.x);
  ASSERT_TRUE(r);
  EXPECT_EQ(page.x.route_name, "static");

  TestExchange api(beast_http::verb::get, "/api/nothing");
  auto missing = run_stage(dispatch_stage(&files), api.x);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);

  TestExchange post(beast_http::verb::post, "/datasets/abc");
  EXPECT_FALSE(run_stage(dispatch_stage(&files), post.x));

  // The tile protocols' prefixes too (a path no route could split lands here), but not look-alikes.
  for (auto const* path : {"/api", "/iiif/3/x/..%2Finfo.json", "/tiles", "/hips/x/..%2Fproperties"}) {
    TestExchange machine(beast_http::verb::get, path);
    auto answer = run_stage(dispatch_stage(&files), machine.x);
    ASSERT_FALSE(answer) << path;
    EXPECT_EQ(answer.error().code, ErrorCode::not_found) << path;
  }
  TestExchange lookalike(beast_http::verb::get, "/hipster");
  EXPECT_TRUE(run_stage(dispatch_stage(&files), lookalike.x));
  EXPECT_EQ(lookalike.x.route_name, "static");
}

}  // namespace
}  // namespace astropixel::http
