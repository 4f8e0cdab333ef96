#include <gtest/gtest.h>

#include "http/stage_testing.hpp"
#include "http/stages.hpp"

namespace astropixel::http {
namespace {

using testing::ok_inner;
using testing::run_stage;
using testing::TestExchange;

Handler noop() {
  return [](Request&) -> asio::awaitable<Result<Response>> { co_return Response{}; };
}

TEST(RouteStage, SetsTheRouteItsParametersAndName) {
  Router router;
  router.add(beast_http::verb::get, "/api/datasets/{id}", noop());
  TestExchange t(beast_http::verb::get, "/api/datasets/m%2031");
  ASSERT_TRUE(run_stage(route_stage(router), t.x, ok_inner));
  ASSERT_NE(t.x.route, nullptr);
  EXPECT_EQ(t.x.route_name, "/api/datasets/{id}");
  EXPECT_EQ(t.x.req.route, "/api/datasets/{id}");
  EXPECT_EQ(t.x.req.param("id"), "m 31");
  EXPECT_FALSE(t.x.allowed_methods);
}

TEST(RouteStage, RecordsTheAllowedMethodsOrNothing) {
  Router router;
  router.add(beast_http::verb::get, "/api/datasets/{id}", noop());
  router.add(beast_http::verb::delete_, "/api/datasets/{id}", noop());
  TestExchange wrong(beast_http::verb::put, "/api/datasets/a");
  run_stage(route_stage(router), wrong.x, ok_inner);
  EXPECT_EQ(wrong.x.route, nullptr);
  ASSERT_TRUE(wrong.x.allowed_methods);
  EXPECT_NE(wrong.x.allowed_methods->find("DELETE"), std::string::npos);

  TestExchange absent(beast_http::verb::get, "/api/nothing");
  run_stage(route_stage(router), absent.x, ok_inner);
  EXPECT_EQ(absent.x.route, nullptr);
  EXPECT_FALSE(absent.x.allowed_methods);
  EXPECT_EQ(absent.x.route_name, "unmatched");
}

TEST(RouteStage, GivesEveryAnswerTheRoutesDeclaredHeaders) {
  Router router;
  RouteOptions options;
  options.headers.set("Tus-Resumable", "1.0.0");
  router.add(beast_http::verb::patch, "/api/uploads/{id}", noop(), options);
  TestExchange t(beast_http::verb::patch, "/api/uploads/a");
  run_stage(route_stage(router), t.x, ok_inner);
  EXPECT_EQ(t.x.response_headers["Tus-Resumable"], "1.0.0");
  TestExchange other(beast_http::verb::get, "/api/uploads/a");
  run_stage(route_stage(router), other.x, ok_inner);
  EXPECT_EQ(other.x.response_headers.count("Tus-Resumable"), 0u);
}

}  // namespace
}  // namespace astropixel::http
