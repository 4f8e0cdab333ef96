#include "http/cors.hpp"

#include <gtest/gtest.h>

namespace astropixel::http {
namespace {

TEST(Cors, ExactOriginsOnlyAndNeverWildcard) {
  CorsPolicy p({"https://app.example.org"});
  boost::beast::http::fields ok, refused;
  p.apply("https://app.example.org", ok);
  EXPECT_EQ(ok["Access-Control-Allow-Origin"], "https://app.example.org");
  EXPECT_EQ(ok["Access-Control-Allow-Credentials"], "true");
  p.apply("https://app.example.org.evil.com", refused);
  EXPECT_TRUE(refused["Access-Control-Allow-Origin"].empty());
  EXPECT_EQ(refused["Vary"], "Origin");
  boost::beast::http::fields pre;
  EXPECT_TRUE(p.preflight("https://app.example.org", "PATCH", "tus-resumable, upload-offset", pre));
  EXPECT_EQ(pre["Access-Control-Allow-Headers"], "tus-resumable, upload-offset");
  boost::beast::http::fields bad;
  EXPECT_FALSE(p.preflight("null", "GET", "", bad));
  EXPECT_FALSE(p.preflight("https://app.example.org", "TRACE", "", bad));
}

}  // namespace
}  // namespace astropixel::http
