#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/tile_endpoints.hpp"

namespace astropixel::api {
namespace {

TEST(FitsHeadersJson, KeepsTheHeadersOfAFitsPack) {
  auto body = fits_headers_json(
      R"({"fits":{"hdu":1,"primary_header":"SIMPLE  =  T","image_header":"XTENSION= 'IMAGE'","bitpix":-32},"x":1})");
  ASSERT_TRUE(body);
  auto const j = boost::json::parse(*body).as_object();
  EXPECT_EQ(j.at("hdu"), 1);
  EXPECT_EQ(j.at("primary_header"), "SIMPLE  =  T");
  EXPECT_EQ(j.at("image_header"), "XTENSION= 'IMAGE'");
  EXPECT_FALSE(j.contains("bitpix"));  // only the headers, not the rest of the record
}

TEST(FitsHeadersJson, AnythingButFitsIsNotFound) {
  for (auto meta : {"", "{", "[]", "{}", R"({"fits":null})", R"({"fits":"x"})"}) {
    auto body = fits_headers_json(meta);
    ASSERT_FALSE(body) << meta;
    EXPECT_EQ(body.error().code, ErrorCode::not_found) << meta;
  }
}

TEST(IiifBase, SeesOtherToInfoJson) {
  auto a = iiif_base("0123abcd-v2");
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->response);
  EXPECT_EQ(a->response->status, boost::beast::http::status::see_other);
  EXPECT_EQ(a->response->headers[boost::beast::http::field::location], "/iiif/3/0123abcd-v2/info.json");
}

TEST(IiifBase, AnIdentifierThatCouldReachAHeaderIsNotFound) {
  for (auto ident : {"x\r\nSet-Cookie: a=1", "../x", "a/b", "a b", ""}) {
    auto a = iiif_base(ident);
    ASSERT_FALSE(a) << ident;
    EXPECT_EQ(a.error().code, ErrorCode::not_found);
  }
}

}  // namespace
}  // namespace astropixel::api
