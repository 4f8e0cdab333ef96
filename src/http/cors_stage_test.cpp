#include <gtest/gtest.h>

#include "http/stage_testing.hpp"
#include "http/stages.hpp"

namespace astropixel::http {
namespace {

using testing::ok_inner;
using testing::run_stage;
using testing::TestExchange;

constexpr char kApp[] = "https://app.example.org";

TEST(CorsStage, AnswersAListedPreflightWithoutTheRestOfThePipeline) {
  TestExchange t(beast_http::verb::options);
  t.headers.set(beast_http::field::origin, kApp);
  t.headers.set(beast_http::field::access_control_request_method, "PATCH");
  bool inner_ran = false;
  auto r = run_stage(cors_stage(CorsPolicy({kApp})), t.x, [&inner_ran](Exchange&) -> Result<Response> {
    inner_ran = true;
    return Response{};
  });
  ASSERT_TRUE(r);
  EXPECT_FALSE(inner_ran) << "a preflight is neither routed nor rate limited";
  EXPECT_EQ(r->status, beast_http::status::no_content);
  EXPECT_EQ(r->headers[beast_http::field::access_control_allow_origin], kApp);
  EXPECT_EQ(t.x.route_name, "preflight");
}

TEST(CorsStage, RefusesAnUnlistedPreflight) {
  TestExchange t(beast_http::verb::options);
  t.headers.set(beast_http::field::origin, "https://evil.example");
  t.headers.set(beast_http::field::access_control_request_method, "GET");
  auto r = run_stage(cors_stage(CorsPolicy({kApp})), t.x, ok_inner);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::forbidden);
  EXPECT_TRUE(t.x.response_headers[beast_http::field::access_control_allow_origin].empty());
}

TEST(CorsStage, OtherRequestsFromAListedOriginGetTheFieldsAlsoOnErrors) {
  TestExchange t;
  t.headers.set(beast_http::field::origin, kApp);
  auto r = run_stage(cors_stage(CorsPolicy({kApp})), t.x, [](Exchange&) -> Result<Response> {
    return make_error(ErrorCode::not_found, "Not found");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(t.x.response_headers[beast_http::field::access_control_allow_origin], kApp);
  EXPECT_EQ(t.x.response_headers[beast_http::field::vary], "Origin");

  TestExchange none;  // no Origin: no CORS fields at all
  run_stage(cors_stage(CorsPolicy({kApp})), none.x, ok_inner);
  EXPECT_EQ(std::distance(none.x.response_headers.begin(), none.x.response_headers.end()), 0);
}

}  // namespace
}  // namespace astropixel::http
