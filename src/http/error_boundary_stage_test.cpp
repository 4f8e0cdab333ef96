#include <gtest/gtest.h>

#include <stdexcept>

#include "http/stage_testing.hpp"
#include "http/stages.hpp"

namespace astropixel::http {
namespace {

using testing::ok_inner;
using testing::run_stage;
using testing::TestExchange;

TEST(ErrorBoundaryStage, AnExceptionBecomesAnInternalErrorLoggedWithTheRequestId) {
  TestExchange t;
  t.x.route_name = "/api/x";
  ::testing::internal::CaptureStderr();
  auto r = run_stage(error_boundary_stage(), t.x, [](Exchange&) -> Result<Response> {
    throw std::runtime_error("vector::at out of range");
  });
  std::string const log = ::testing::internal::GetCapturedStderr();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::internal);
  EXPECT_NE(log.find("unhandled_exception"), std::string::npos);
  EXPECT_NE(log.find("vector::at out of range"), std::string::npos);
  EXPECT_NE(log.find("req-1"), std::string::npos);
}

TEST(ErrorBoundaryStage, PassesAnswersAndErrorsThrough) {
  TestExchange t;
  EXPECT_TRUE(run_stage(error_boundary_stage(), t.x, ok_inner));
  auto e = run_stage(error_boundary_stage(), t.x,
                     [](Exchange&) -> Result<Response> { return make_error(ErrorCode::conflict, "Taken"); });
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::conflict);
}

}  // namespace
}  // namespace astropixel::http
