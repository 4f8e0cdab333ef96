#include "datasets/stretch_request.hpp"

#include <gtest/gtest.h>

namespace astropixel::datasets {
namespace {

RequestChange with(std::optional<std::string> kind, std::optional<int> hdu, std::optional<int> plane,
                   std::optional<std::pair<double, double>> cuts = std::nullopt) {
  RequestChange c;
  c.kind = std::move(kind);
  c.hdu = hdu;
  c.plane = plane;
  c.cuts = cuts;
  return c;
}

TEST(FitsRequest, DefaultsToTheFirstImageAndPlaneZero) {
  auto sel = parse_fits_request("");
  ASSERT_TRUE(sel);
  EXPECT_EQ(sel->hdu, -1);
  EXPECT_EQ(sel->plane, 0);
  sel = parse_fits_request(R"({"kind":"log"})");
  ASSERT_TRUE(sel);
  EXPECT_EQ(sel->hdu, -1);
}

TEST(FitsRequest, ReadsHduAndPlane) {
  auto sel = parse_fits_request(R"({"hdu":2,"plane":7})");
  ASSERT_TRUE(sel);
  EXPECT_EQ(sel->hdu, 2);
  EXPECT_EQ(sel->plane, 7);
}

TEST(FitsRequest, RefusesNegativeHugeFractionalAndTextNumbers) {
  for (auto const* bad : {R"({"hdu":-1})", R"({"hdu":100000})", R"({"hdu":1.5})", R"({"hdu":"1"})",
                          R"({"plane":-3})", R"({"plane":18446744073709551615})", R"({"plane":true})"}) {
    auto sel = parse_fits_request(bad);
    ASSERT_FALSE(sel) << bad;
    EXPECT_EQ(sel.error().code, ErrorCode::validation);
    EXPECT_TRUE(sel.error().field == "hdu" || sel.error().field == "plane") << bad;
  }
}

TEST(ChangeRequest, KeepsWhatIsNotNamed) {
  auto r =
      change_request(R"({"kind":"log","cuts":[1,2],"hdu":1,"plane":3})", with(std::nullopt, std::nullopt, 4));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, R"({"kind":"log","cuts":[1,2],"hdu":1,"plane":4})");
}

TEST(ChangeRequest, ANewStretchDropsOldCutsAndANewHduDropsThePlane) {
  auto r = change_request(R"({"kind":"log","cuts":[1,2],"hdu":1,"plane":3})", with("asinh", 2, std::nullopt));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, R"({"kind":"asinh","hdu":2})");
}

TEST(ChangeRequest, FromNothing) {
  auto r = change_request("", with(std::nullopt, 0, std::nullopt));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, R"({"hdu":0})");
  r = change_request("", RequestChange());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "");
}

TEST(ChangeRequest, ValidatesTheResult) {
  EXPECT_FALSE(change_request("", with("blur", std::nullopt, std::nullopt)));
  EXPECT_FALSE(change_request("", with(std::nullopt, std::nullopt, std::nullopt, std::pair(2.0, 1.0))));
  EXPECT_FALSE(change_request("", with(std::nullopt, -2, std::nullopt)));
}

}  // namespace
}  // namespace astropixel::datasets
