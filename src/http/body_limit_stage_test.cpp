#include <gtest/gtest.h>

#include "http/stage_testing.hpp"
#include "http/stages.hpp"

namespace astropixel::http {
namespace {

using testing::run_stage;
using testing::TestExchange;

Handler noop() {
  return [](Request&) -> asio::awaitable<Result<Response>> { co_return Response{}; };
}

struct Routed : TestExchange {
  Router router;
  Routed() : TestExchange(beast_http::verb::post, "/api/x") {
    router.add(beast_http::verb::post, "/api/x", noop(), {.max_body = 100});
    x.route = std::get<Router::Found>(router.match(beast_http::verb::post, "/api/x")).route;
  }
};

TEST(BodyLimitStage, RefusesADeclaredBodyOverTheLimitBeforeReadingIt) {
  Routed t;
  t.conn.declared_length = 101;
  bool inner_ran = false;
  auto r = run_stage(body_limit_stage(), t.x, [&inner_ran](Exchange&) -> Result<Response> {
    inner_ran = true;
    return Response{};
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::payload_too_large);
  EXPECT_FALSE(inner_ran);
  EXPECT_FALSE(t.conn.opened_limit) << "not a byte of the body was read";
}

TEST(BodyLimitStage, OpensTheBodyUnderTheRouteLimitAndClosesAfterACutBody) {
  Routed t;
  t.conn.declared_length = 100;
  bool had_body = false;
  auto r = run_stage(body_limit_stage(), t.x, [&](Exchange& x) -> Result<Response> {
    had_body = x.req.body == &t.conn.body;
    t.conn.broken = true;  // the handler's read was cut (too slow, too large)
    return Response{};
  });
  ASSERT_TRUE(r);
  EXPECT_TRUE(had_body);
  EXPECT_EQ(t.conn.opened_limit, 100u);
  EXPECT_EQ(t.x.req.body, nullptr) << "the reader does not outlive the handler";
  EXPECT_TRUE(t.x.close);

  TestExchange unmatched;  // no route: no body is opened (404, 405 and static files read none)
  run_stage(body_limit_stage(), unmatched.x, testing::ok_inner);
  EXPECT_FALSE(unmatched.conn.opened_limit);
}

}  // namespace
}  // namespace astropixel::http
