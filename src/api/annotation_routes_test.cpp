#include "api/annotation_routes.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace astropixel::api {
namespace {

boost::json::object parse(std::string_view text) {
  return boost::json::parse(text).as_object();
}

TEST(NewAnnotation, KindLabelGeometryRequired) {
  auto n = new_annotation(parse(R"({"kind":"point","label":"M42","geometry":{"x":1,"y":2}})"));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->kind, "point");
  EXPECT_EQ(n->label, "M42");
  EXPECT_EQ(n->geometry_json, R"({"x":1,"y":2})");
  for (auto [body, field] : {std::pair{R"({"label":"a","geometry":{}})", "kind"},
                             std::pair{R"({"kind":"point","geometry":{}})", "label"},
                             std::pair{R"({"kind":"point","label":"a"})", "geometry"},
                             std::pair{R"({"kind":"point","label":"a","geometry":[1]})", "geometry"},
                             std::pair{R"({"kind":"point","label":"a","geometry":{},"color":5})", "color"}}) {
    auto bad = new_annotation(parse(body));
    ASSERT_FALSE(bad) << body;
    EXPECT_EQ(bad.error().field, field) << body;
  }
}

TEST(AnnotationPatch, OnlyWhatIsSent) {
  auto p = annotation_patch(parse(R"({"label":"new"})"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->label, "new");
  EXPECT_FALSE(p->color);
  EXPECT_FALSE(p->geometry_json);
  EXPECT_FALSE(annotation_patch(parse(R"({"geometry":"x"})")));
}

}  // namespace
}  // namespace astropixel::api
