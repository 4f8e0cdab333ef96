#include "core/error.hpp"

#include <gtest/gtest.h>

namespace astropixel {
namespace {

Result<int> half(int x) {
  if (x % 2) return make_error(ErrorCode::validation, "odd", "x must be even");
  return x / 2;
}

TEST(Error, ResultCarriesValueOrError) {
  EXPECT_EQ(half(4).value(), 2);
  auto r = half(3);
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().machine_code(), "validation_error");
  EXPECT_THROW((void)r.value(), std::runtime_error);
}

TEST(Error, FinerReasonOverridesMachineCode) {
  Error e = make_error(ErrorCode::conflict, "taken");
  e.reason = "username_taken";
  EXPECT_EQ(e.machine_code(), "username_taken");
}

}  // namespace
}  // namespace astropixel
