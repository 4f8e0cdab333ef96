#include "http/request_id.hpp"

#include <gtest/gtest.h>

namespace astropixel::http {
namespace {

TEST(RequestId, KeepsWellFormedReplacesHostile) {
  EXPECT_EQ(choose_request_id("abc-123_X.y:z"), "abc-123_X.y:z");
  EXPECT_EQ(choose_request_id("").size(), 32u);
  EXPECT_NE(choose_request_id("bad id\n{\"level\":\"error\"}"), "bad id\n{\"level\":\"error\"}");
  EXPECT_EQ(choose_request_id(std::string(129, 'a')).size(), 32u);
}

TEST(TraceParent, ParsesW3CExamples) {
  auto tp = parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(tp->parent_id, "b7ad6b7169203331");
  EXPECT_FALSE(parse_traceparent("00-00000000000000000000000000000000-b7ad6b7169203331-01"));
  EXPECT_FALSE(parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01"));
  EXPECT_FALSE(parse_traceparent("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01"));
  EXPECT_FALSE(parse_traceparent("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
  EXPECT_FALSE(parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra"));
  EXPECT_TRUE(parse_traceparent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra"));
  EXPECT_FALSE(parse_traceparent("garbage"));
}

}  // namespace
}  // namespace astropixel::http
