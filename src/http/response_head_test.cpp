#include "http/response_head.hpp"

#include <gtest/gtest.h>

namespace astropixel::http {
namespace {

namespace bhttp = boost::beast::http;

TEST(ResponseHead, StatusFieldsLengthAndConnection) {
  bhttp::fields f;
  f.set(bhttp::field::content_type, "image/jpeg");
  f.set("X-Request-ID", "abc");
  f.set(bhttp::field::connection, "keep-alive");  // the server decides, not the handler
  f.set(bhttp::field::content_length, "999");
  std::string out;
  format_head(out, bhttp::status::ok, f, 1234, true);
  EXPECT_EQ(
      out,
      "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nX-Request-ID: abc\r\nContent-Length: 1234\r\n\r\n");
}

TEST(ResponseHead, NoBodyAndClose) {
  bhttp::fields f;
  f.set(bhttp::field::etag, "\"x\"");
  std::string out = "kept|";
  format_head(out, bhttp::status::not_modified, f, std::nullopt, false);
  EXPECT_EQ(out, "kept|HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nConnection: close\r\n\r\n");
}

TEST(ResponseHead, UnknownStatusStillHasALine) {
  std::string out;
  format_head(out, static_cast<bhttp::status>(599), bhttp::fields{}, 0, true);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 599 ")) << out;
  EXPECT_TRUE(out.ends_with("Content-Length: 0\r\n\r\n")) << out;
}

TEST(ResponseHead, ControlCharactersInValuesAreUnsafe) {
  EXPECT_TRUE(header_value_safe("attachment; filename=\"a b.csv\""));
  EXPECT_TRUE(header_value_safe("tab\tinside"));
  EXPECT_TRUE(header_value_safe("caf\xc3\xa9"));  // obs-text is allowed
  for (std::string const& bad : std::initializer_list<std::string>{
           "x\r\nSet-Cookie: pwn=1", "x\ny", "x\ry", std::string("x\0y", 3), "x\x01", "x\x1f", "x\x7f"}) {
    EXPECT_FALSE(header_value_safe(bad)) << bad;
  }
}

TEST(ResponseHead, FirstUnsafeFieldNamesIt) {
  bhttp::fields f;
  f.set(bhttp::field::content_type, "text/plain");
  EXPECT_EQ(first_unsafe_field(f), std::nullopt);
  f.set(bhttp::field::location, "/iiif/3/x\r\nSet-Cookie: pwn=1/info.json");
  EXPECT_EQ(first_unsafe_field(f), "Location");
  bhttp::fields g;
  g.set("X-Bad Name", "v");
  EXPECT_EQ(first_unsafe_field(g), "X-Bad Name");
}

}  // namespace
}  // namespace astropixel::http
