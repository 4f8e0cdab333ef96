#include "core/log.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace astropixel::log {
namespace {

TEST(Log, EscapesHostileText) {
  Context ctx{"req-1", "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"};
  std::string line =
      format_line(Level::warn, "evil", {{"msg", "quote\" newline\n nul\x01 end"}, {"n", 42}}, &ctx);
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one event per line";
  auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v.at("msg").as_string(), "quote\" newline\n nul\x01 end");
  EXPECT_EQ(v.at("n").as_int64(), 42);
  EXPECT_EQ(v.at("level").as_string(), "warn");
  EXPECT_EQ(v.at("request_id").as_string(), "req-1");
  EXPECT_EQ(v.at("trace_id").as_string(), "0af7651916cd43dd8448eb211c80319c");
}

TEST(Log, LevelParsing) {
  EXPECT_EQ(parse_level("debug", Level::info), Level::debug);
  EXPECT_EQ(parse_level("nonsense", Level::warn), Level::warn);
}

}  // namespace
}  // namespace astropixel::log
