#include "api/auth_routes.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace astropixel::api {
namespace {

boost::json::object parse(std::string_view text) {
  return boost::json::parse(text).as_object();
}

TEST(Credentials, LoginTakesTheFirstOfLoginUsernameEmail) {
  auto c = credentials(parse(R"({"email":"a@example.org","username":"alice","password":"pw"})"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->login, "alice");
  EXPECT_EQ(c->password, "pw");
  c = credentials(parse(R"({"login":"x","username":"alice","password":"pw"})"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->login, "x");
  c = credentials(parse(R"({"email":"a@example.org","password":"pw"})"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->login, "a@example.org");
}

TEST(Credentials, NamesWhatIsMissingOrMistyped) {
  for (auto [body, field] :
       {std::pair{R"({"password":"pw"})", "login"}, std::pair{R"({"login":"a"})", "password"},
        std::pair{R"({"login":3,"password":"pw"})", "login"}}) {
    auto c = credentials(parse(body));
    ASSERT_FALSE(c) << body;
    EXPECT_EQ(c.error().code, ErrorCode::validation) << body;
    EXPECT_EQ(c.error().field, field) << body;
  }
  EXPECT_EQ(credentials(parse(R"({"password":"pw"})")).error().reason, "missing_field");
}

TEST(Registration, RequiresEmailUsernamePasswordAndTakesAName) {
  auto r =
      registration(parse(R"({"email":"a@example.org","username":"alice","password":"pw","full_name":"A"})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->email, "a@example.org");
  EXPECT_EQ(r->username, "alice");
  EXPECT_EQ(r->full_name, "A");
  r = registration(parse(R"({"email":"a@example.org","password":"pw"})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "username");
}

TEST(ProfileChange, ANewPasswordNeedsTheCurrentOne) {
  auto c = profile_change(parse(R"({"new_password":"n"})"));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().field, "current_password");
  EXPECT_EQ(c.error().reason, "missing_field");
  c = profile_change(parse(R"({"new_password":"n","current_password":"o","full_name":"B"})"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->new_password, "n");
  EXPECT_EQ(c->full_name, "B");
  EXPECT_FALSE(c->avatar_url);
}

TEST(ProfileChange, NamesAMistypedField) {
  auto c = profile_change(parse(R"({"avatar_url":false})"));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().field, "avatar_url");
}

}  // namespace
}  // namespace astropixel::api
