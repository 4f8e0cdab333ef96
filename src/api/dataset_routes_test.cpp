#include "api/dataset_routes.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/endpoint.hpp"

namespace astropixel::api {
namespace {

boost::json::object parse(std::string_view text) {
  return boost::json::parse(text).as_object();
}

TEST(DetailsPatch, ReadsWhatIsGivenAndLeavesTheRest) {
  auto p = details_patch(parse(R"({"name":"M31","is_public":true})"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "M31");
  EXPECT_FALSE(p->description);
  EXPECT_EQ(p->visibility, auth::Visibility::public_);
  p = details_patch(parse(R"({"visibility":"private"})"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->visibility, auth::Visibility::private_);
}

TEST(DetailsPatch, NamesTheFieldInError) {
  for (auto [body, field] :
       {std::pair{R"({"name":3})", "name"}, std::pair{R"({"is_public":"yes"})", "is_public"},
        std::pair{R"({"visibility":"secret"})", "visibility"}}) {
    auto p = details_patch(parse(body));
    ASSERT_FALSE(p) << body;
    EXPECT_EQ(p.error().code, ErrorCode::validation);
    EXPECT_EQ(p.error().field, field);
  }
}

TEST(ReprocessChange, StretchCutsHduPlane) {
  auto c = reprocess_change(parse(R"({"stretch":"log","cuts":[1,2.5],"hdu":2,"plane":0})"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, "log");
  EXPECT_EQ(c->cuts, std::pair(1.0, 2.5));
  EXPECT_EQ(c->hdu, 2);
  EXPECT_EQ(c->plane, 0);
  c = reprocess_change(parse("{}"));
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->empty());
}

TEST(ReprocessChange, RefusesBadValues) {
  for (auto [body, field] :
       {std::pair{R"({"cuts":[1]})", "cuts"}, std::pair{R"({"cuts":["a","b"]})", "cuts"},
        std::pair{R"({"hdu":-1})", "hdu"}, std::pair{R"({"hdu":1.5})", "hdu"},
        std::pair{R"({"plane":"2"})", "plane"}, std::pair{R"({"plane":1000000001})", "plane"},
        std::pair{R"({"stretch":7})", "stretch"}}) {
    auto c = reprocess_change(parse(body));
    ASSERT_FALSE(c) << body;
    EXPECT_EQ(c.error().field, field) << body;
  }
}

TEST(Answer, JsonAnswersAreNotStoredAndEmptyOnesHaveNoBody) {
  auto r = to_response(Answer::accepted({{"id", "x"}}));
  EXPECT_EQ(r.status, boost::beast::http::status::accepted);
  EXPECT_EQ(r.headers[boost::beast::http::field::cache_control], "no-store");
  EXPECT_EQ(r.body, R"({"id":"x"})");
  r = to_response(Answer::no_content());
  EXPECT_EQ(r.status, boost::beast::http::status::no_content);
  EXPECT_TRUE(r.body.empty());
}

}  // namespace
}  // namespace astropixel::api
