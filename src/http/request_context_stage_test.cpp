#include <gtest/gtest.h>

#include "http/request_id.hpp"
#include "http/stage_testing.hpp"
#include "http/stages.hpp"

namespace astropixel::http {
namespace {

using testing::ok_inner;
using testing::run_stage;
using testing::TestExchange;

TEST(RequestContextStage, KeepsAWellFormedIdAndBelievesForwardingOnlyFromTrustedProxies) {
  ClientIpResolver resolver({"10.0.0.1"});
  TestExchange direct;
  direct.x.req.request_id.clear();
  direct.x.peer = boost::asio::ip::make_address("192.0.2.7");
  direct.x.peer_text = "192.0.2.7";
  direct.headers.set("X-Request-ID", "abc-123");
  direct.headers.set("X-Forwarded-For", "203.0.113.9");
  direct.headers.set("X-Forwarded-Proto", "https");
  direct.headers.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(run_stage(request_context_stage(resolver), direct.x, ok_inner));
  EXPECT_EQ(direct.x.req.request_id, "abc-123");
  EXPECT_EQ(direct.x.req.trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(direct.x.req.client_ip, "192.0.2.7") << "X-Forwarded-For from an untrusted peer is ignored";
  EXPECT_FALSE(direct.x.req.secure_transport);

  TestExchange proxied;
  proxied.x.peer = boost::asio::ip::make_address("10.0.0.1");
  proxied.x.peer_text = "10.0.0.1";
  proxied.headers.set("X-Request-ID", "bad id\"{}");
  proxied.headers.set("X-Forwarded-For", "203.0.113.9");
  proxied.headers.set("X-Forwarded-Proto", "https");
  ASSERT_TRUE(run_stage(request_context_stage(resolver), proxied.x, ok_inner));
  EXPECT_NE(proxied.x.req.request_id, "bad id\"{}");
  EXPECT_TRUE(is_valid_request_id(proxied.x.req.request_id)) << "a malformed id is replaced by a fresh one";
  EXPECT_EQ(proxied.x.req.client_ip, "203.0.113.9");
  EXPECT_TRUE(proxied.x.req.secure_transport);
}

}  // namespace
}  // namespace astropixel::http
