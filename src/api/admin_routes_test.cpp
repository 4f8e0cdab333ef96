#include "api/admin_routes.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace astropixel::api {
namespace {

TEST(UserChange, RoleAndDisabled) {
  auto c = user_change(boost::json::parse(R"({"role":"admin","disabled":false})").as_object());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->role, auth::Role::admin);
  EXPECT_EQ(c->disabled, false);
  c = user_change(boost::json::parse("{}").as_object());
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->role);
  EXPECT_FALSE(c->disabled);
}

TEST(UserChange, NamesTheFieldInError) {
  for (auto [body, field] : {std::pair{R"({"role":"root"})", "role"}, std::pair{R"({"role":1})", "role"},
                             std::pair{R"({"disabled":"yes"})", "disabled"}}) {
    auto c = user_change(boost::json::parse(body).as_object());
    ASSERT_FALSE(c) << body;
    EXPECT_EQ(c.error().code, ErrorCode::validation);
    EXPECT_EQ(c.error().field, field);
  }
}

}  // namespace
}  // namespace astropixel::api
