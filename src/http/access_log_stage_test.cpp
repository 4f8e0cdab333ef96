#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/stage_testing.hpp"
#include "http/stages.hpp"
#include "metrics/metrics.hpp"

namespace astropixel::http {
namespace {

using testing::run_stage;
using testing::TestExchange;

TEST(AccessLogStage, WritesOneLineWithTheRouteNotThePathAndCountsTheRequest) {
  metrics::Metrics m("test", "none");
  TestExchange t(beast_http::verb::get, "/api/datasets/secret-id");
  ::testing::internal::CaptureStderr();
  auto r = run_stage(access_log_stage(&m), t.x, [](Exchange& x) -> Result<Response> {
    x.route_name = "/api/datasets/{id}";
    x.bytes_sent = 2;
    Response resp;
    resp.status = beast_http::status::created;
    return resp;
  });
  std::string const err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r);
  auto nl = err.find('\n');
  ASSERT_NE(nl, std::string::npos);
  EXPECT_EQ(err.find('\n', nl + 1), std::string::npos) << "one line per request: " << err;
  auto line = boost::json::parse(err.substr(0, nl)).as_object();
  EXPECT_EQ(line.at("event").as_string(), "request");
  EXPECT_EQ(line.at("route").as_string(), "/api/datasets/{id}");
  EXPECT_EQ(line.at("status").as_int64(), 201);
  EXPECT_EQ(line.at("bytes").as_int64(), 2);
  EXPECT_EQ(line.at("request_id").as_string(), "req-1");
  EXPECT_EQ(line.at("client_ip").as_string(), "192.0.2.1");
  auto text = m.serialize();
  EXPECT_NE(
      text.find(R"(astropixel_http_requests_total{method="GET",route="/api/datasets/{id}",status="2xx"} 1)"),
      std::string::npos)
      << text;
}

TEST(AccessLogStage, LinksForOtherViewersNeverReachTheLog) {
  EXPECT_EQ(redacted_path("/hips/abc~1767225600~0123456789abcdefghijkl/Norder3/Allsky.png"),
            "/hips/abc~…/Norder3/Allsky.png");
  EXPECT_EQ(redacted_path("/hips/abc~1~sig.tar"), "/hips/abc~…");
  EXPECT_EQ(redacted_path("/iiif/3/abc-v2%7E1%7esig/full/max/0/default.jpg"),
            "/iiif/3/abc-v2~…/full/max/0/default.jpg");
  EXPECT_EQ(redacted_path("/a~/b~c/d%7"), "/a~…/b~…/d%7");
  EXPECT_EQ(redacted_path("/api/datasets/abc"), "/api/datasets/abc");

  metrics::Metrics m("test", "none");
  TestExchange t(beast_http::verb::get, "/iiif/3/abc~1767225600~SECRETSECRETSECRETSECR/info.json");
  ::testing::internal::CaptureStderr();
  auto r = run_stage(access_log_stage(&m), t.x, [](Exchange&) -> Result<Response> { return Response{}; });
  std::string const err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r);
  EXPECT_EQ(err.find("SECRET"), std::string::npos) << err;
  EXPECT_NE(err.find("/iiif/3/abc~…/info.json"), std::string::npos) << err;
}

}  // namespace
}  // namespace astropixel::http
