#include "http/range.hpp"

#include <gtest/gtest.h>

namespace astropixel::http {
namespace {

ByteRange br(std::string_view h, std::uint64_t size) {
  return std::get<ByteRange>(parse_range(h, size));
}

TEST(Range, SingleRanges) {
  EXPECT_EQ(br("bytes=0-9", 100).length, 10u);
  EXPECT_EQ(br("bytes=90-", 100).first, 90u);
  EXPECT_EQ(br("bytes=90-200", 100).length, 10u) << "last clamped to the end";
  auto suffix = br("bytes=-10", 100);
  EXPECT_EQ(suffix.first, 90u);
  EXPECT_EQ(suffix.length, 10u);
  EXPECT_EQ(br("bytes=-500", 100).length, 100u);
}

TEST(Range, UnsatisfiableAndIgnored) {
  EXPECT_TRUE(std::holds_alternative<Unsatisfiable>(parse_range("bytes=100-", 100)));
  EXPECT_TRUE(std::holds_alternative<Unsatisfiable>(parse_range("bytes=-0", 100)));
  for (auto h : {"", "items=0-1", "bytes=5-1", "bytes=a-b", "bytes=0-1,5-6", "bytes=--1",
                 "bytes=99999999999999999999-"}) {
    EXPECT_TRUE(std::holds_alternative<WholeBody>(parse_range(h, 100))) << h;
  }
}

}  // namespace
}  // namespace astropixel::http
