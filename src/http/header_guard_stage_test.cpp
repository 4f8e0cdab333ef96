#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/stage_testing.hpp"
#include "http/stages.hpp"

namespace astropixel::http {
namespace {

using testing::run_stage;
using testing::TestExchange;

TEST(HeaderGuardStage, AControlCharacterInAnyHeaderValueBecomesAnOpaque500) {
  TestExchange t;
  ::testing::internal::CaptureStderr();
  auto r = run_stage(header_guard_stage(false), t.x, [](Exchange&) -> Result<Response> {
    Response resp;
    resp.status = beast_http::status::found;
    resp.headers.set(beast_http::field::location, "/iiif/3/x\r\nSet-Cookie: pwn=1/info.json");
    resp.headers.set("Access-Control-Allow-Origin", "https://app.example.org");
    return resp;
  });
  std::string const log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, beast_http::status::internal_server_error);
  EXPECT_TRUE(r->headers[beast_http::field::location].empty());
  EXPECT_TRUE(r->headers["Access-Control-Allow-Origin"].empty()) << "the failed answer is replaced whole";
  EXPECT_EQ(r->headers["X-Request-ID"], "req-1");
  auto body = boost::json::parse(r->body).as_object();
  EXPECT_EQ(body.at("code").as_string(), "internal");
  EXPECT_EQ(r->body.find("Set-Cookie"), std::string::npos) << "no detail without DEBUG";
  EXPECT_NE(log.find("unsafe_response_header"), std::string::npos);
}

TEST(HeaderGuardStage, SafeAnswersPassUnchanged) {
  TestExchange t;
  auto r = run_stage(header_guard_stage(false), t.x, [](Exchange&) -> Result<Response> {
    Response resp;
    resp.headers.set("Content-Disposition", "attachment; filename=\"m31\tfinal.fits\"");  // tab is allowed
    return resp;
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, beast_http::status::ok);
}

}  // namespace
}  // namespace astropixel::http
