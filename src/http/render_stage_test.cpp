#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/stage_testing.hpp"
#include "http/stages.hpp"

namespace astropixel::http {
namespace {

using testing::run_stage;
using testing::TestExchange;

TEST(RenderStage, AnErrorBecomesTheJsonBodyWithTheCollectedFields) {
  TestExchange t;
  t.x.response_headers.set(beast_http::field::allow, "GET, HEAD");
  auto r = run_stage(render_stage(false), t.x, [](Exchange&) -> Result<Response> {
    return invalid_field("email", "Email is not valid");
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, beast_http::status::bad_request);
  EXPECT_EQ(r->headers[beast_http::field::allow], "GET, HEAD");
  EXPECT_EQ(r->headers["X-Request-ID"], "req-1");
  auto body = boost::json::parse(r->body).as_object();
  EXPECT_EQ(body.at("code").as_string(), "validation_error");
  EXPECT_EQ(body.at("field").as_string(), "email");
  EXPECT_EQ(body.at("request_id").as_string(), "req-1");
  EXPECT_FALSE(t.x.close);
}

TEST(RenderStage, A413ClosesTheConnectionAndInternalDetailStaysInTheLog) {
  TestExchange big;
  run_stage(render_stage(false), big.x, [](Exchange&) -> Result<Response> {
    return make_error(ErrorCode::payload_too_large, "Request body too large");
  });
  EXPECT_TRUE(big.x.close) << "the rest of the body may still be arriving";

  TestExchange broken;
  ::testing::internal::CaptureStderr();
  auto r = run_stage(render_stage(false), broken.x, [](Exchange&) -> Result<Response> {
    return make_error(ErrorCode::internal, "Database exploded", "/var/lib/secret path");
  });
  std::string const log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, beast_http::status::internal_server_error);
  EXPECT_EQ(r->body.find("secret"), std::string::npos);
  EXPECT_NE(log.find("request_failed"), std::string::npos);
  EXPECT_NE(log.find("/var/lib/secret path"), std::string::npos);
}

TEST(RenderStage, AnswersKeepTheirOwnFieldsAndGainTheRequestId) {
  TestExchange t;
  t.x.response_headers.set(beast_http::field::vary, "Origin");
  auto r = run_stage(render_stage(false), t.x, [](Exchange&) -> Result<Response> {
    Response resp;
    resp.headers.set(beast_http::field::etag, "\"v1\"");
    return resp;
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->headers[beast_http::field::etag], "\"v1\"");
  EXPECT_EQ(r->headers[beast_http::field::vary], "Origin");
  EXPECT_EQ(r->headers["X-Request-ID"], "req-1");
}

TEST(RenderStage, VaryFromTheStagesJoinsTheHandlersOwn) {
  TestExchange t;
  t.x.response_headers.set(beast_http::field::vary, "Origin");
  auto r = run_stage(render_stage(false), t.x, [](Exchange&) -> Result<Response> {
    Response resp;
    resp.headers.set(beast_http::field::vary, "Host, origin");
    return resp;
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->headers[beast_http::field::vary], "Host, origin");  // Origin is there already, in any case
  TestExchange u;
  u.x.response_headers.set(beast_http::field::vary, "Origin");
  r = run_stage(render_stage(false), u.x, [](Exchange&) -> Result<Response> {
    Response resp;
    resp.headers.set(beast_http::field::vary, "Host");
    return resp;
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->headers[beast_http::field::vary], "Host, Origin");
}

}  // namespace
}  // namespace astropixel::http
