#include "http/router.hpp"

#include <gtest/gtest.h>

namespace astropixel::http {
namespace {

using V = beast_http::verb;

Handler noop() {
  return [](Request&) -> asio::awaitable<Result<Response>> { co_return Response{}; };
}

Router make() {
  Router r;
  r.add(V::get, "/api/health", noop());
  r.add(V::get, "/api/datasets/{id}", noop());
  r.add(V::put, "/api/datasets/{id}", noop());
  r.add(V::get, "/api/tiles/{id}/{z:int}/{x:int}/{y:int}.{fmt}", noop());
  r.add(V::get, "/dzi/{id}_files/{level:int}/{col:int}_{row:int}.{fmt}", noop());
  r.add(V::get, "/files/{rest:path}", noop());
  return r;
}

TEST(Router, TypedParameters) {
  auto r = make();
  auto m = r.match(V::get, "/api/tiles/abc/3/10/7.jpg");
  auto* f = std::get_if<Router::Found>(&m);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->route->pattern, "/api/tiles/{id}/{z:int}/{x:int}/{y:int}.{fmt}");
  ASSERT_EQ(f->params.size(), 5u);
  EXPECT_EQ(f->params[3].second, "7");
  EXPECT_EQ(f->params[4].second, "jpg");
  EXPECT_TRUE(std::holds_alternative<Router::NotFound>(r.match(V::get, "/api/tiles/abc/x/10/7.jpg")));
  EXPECT_TRUE(std::holds_alternative<Router::NotFound>(r.match(V::get, "/api/tiles/abc/3/10/.jpg")));
  auto d = r.match(V::get, "/dzi/ab_files/12/3_4.png");
  ASSERT_TRUE(std::holds_alternative<Router::Found>(d));
  EXPECT_EQ(std::get<Router::Found>(d).params[2].second, "3");
}

TEST(Router, MethodNotAllowedListsAllow) {
  auto r = make();
  auto m = r.match(V::delete_, "/api/datasets/x");
  auto* na = std::get_if<Router::MethodNotAllowed>(&m);
  ASSERT_NE(na, nullptr);
  EXPECT_EQ(na->allow, "GET, HEAD, PUT");
  EXPECT_TRUE(std::holds_alternative<Router::Found>(r.match(V::head, "/api/health")));
}

TEST(Router, PercentDecodingCannotSmuggleSlashes) {
  auto r = make();
  auto m = r.match(V::get, "/api/datasets/a%20b");
  ASSERT_TRUE(std::holds_alternative<Router::Found>(m));
  EXPECT_EQ(std::get<Router::Found>(m).params[0].second, "a b");
  EXPECT_TRUE(std::holds_alternative<Router::NotFound>(r.match(V::get, "/api/datasets/a%2Fb")));
  EXPECT_TRUE(std::holds_alternative<Router::NotFound>(r.match(V::get, "/api/datasets/a%00")));
  EXPECT_TRUE(std::holds_alternative<Router::NotFound>(r.match(V::get, "/api/datasets/%zz")));
  EXPECT_TRUE(std::holds_alternative<Router::NotFound>(r.match(V::get, "/api/datasets/%4")));
  EXPECT_TRUE(std::holds_alternative<Router::NotFound>(r.match(V::get, "/files/a/../b")));
  EXPECT_TRUE(std::holds_alternative<Router::NotFound>(r.match(V::get, "/files/a/%2e%2e/b")));
  EXPECT_TRUE(std::holds_alternative<Router::NotFound>(r.match(V::get, "relative")));
  auto f = r.match(V::get, "/files/a/b/c.txt");
  ASSERT_TRUE(std::holds_alternative<Router::Found>(f));
  EXPECT_EQ(std::get<Router::Found>(f).params[0].second, "a/b/c.txt");
}

TEST(Router, TrailingSlashIsADifferentPath) {
  auto r = make();
  EXPECT_TRUE(std::holds_alternative<Router::NotFound>(r.match(V::get, "/api/health/")));
}

TEST(Router, BadPatternsThrowAtStartup) {
  Router r;
  EXPECT_THROW(r.add(V::get, "/a/{x", noop()), std::invalid_argument);
  EXPECT_THROW(r.add(V::get, "/a/{x}{y}", noop()), std::invalid_argument);
  EXPECT_THROW(r.add(V::get, "/a/{x:float}", noop()), std::invalid_argument);
  EXPECT_THROW(r.add(V::get, "/a/{p:path}/b", noop()), std::invalid_argument);
}

}  // namespace
}  // namespace astropixel::http

namespace astropixel::http {
namespace {

TEST(PercentDecode, DecodesAndRejectsMalformed) {
  EXPECT_EQ(percent_decode("a%20b+c", true).value(), "a b c");
  EXPECT_EQ(percent_decode("a+b", false).value(), "a+b");
  EXPECT_FALSE(percent_decode("%", true));
  EXPECT_FALSE(percent_decode("%4", true));
  EXPECT_FALSE(percent_decode("%zz", true));
}

TEST(QueryParam, FindsDecodedValues) {
  Request req;
  req.query = "ms=1500&name=M%2031&flag&empty=&bad=%zz";
  EXPECT_EQ(req.query_param("ms").value(), "1500");
  EXPECT_EQ(req.query_param("name").value(), "M 31");
  EXPECT_EQ(req.query_param("flag").value(), "");
  EXPECT_EQ(req.query_param("empty").value(), "");
  EXPECT_FALSE(req.query_param("bad"));
  EXPECT_FALSE(req.query_param("missing"));
}

}  // namespace
}  // namespace astropixel::http
