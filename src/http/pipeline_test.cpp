#include "http/pipeline.hpp"

#include <gtest/gtest.h>

#include "http/stage_testing.hpp"

namespace astropixel::http {
namespace {

using testing::run_stage;
using testing::TestExchange;

TEST(Pipeline, RunsStagesInOrderAroundTheInnerOnes) {
  std::vector<std::string> trace;
  auto stage = [&trace](std::string name) -> Stage {
    return [&trace, name](Exchange& x, Next next) -> asio::awaitable<Result<Response>> {
      trace.push_back(name + " in");
      auto r = co_await next(x);
      trace.push_back(name + " out");
      co_return r;
    };
  };
  Pipeline p;
  p.then("a", stage("a")).then("b", stage("b"));
  EXPECT_EQ(p.names(), (std::vector<std::string>{"a", "b"}));
  TestExchange t;
  asio::io_context io;
  auto f = asio::co_spawn(io, p.run(t.x), asio::use_future);
  io.run();
  auto r = f.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found) << "past the last stage: nothing answered";
  EXPECT_EQ(trace, (std::vector<std::string>{"a in", "b in", "b out", "a out"}));
}

TEST(Pipeline, AStageMayAnswerWithoutTheRest) {
  bool inner_ran = false;
  TestExchange t;
  auto r = run_stage([](Exchange&, Next) -> asio::awaitable<Result<Response>> { co_return Response{}; }, t.x,
                     [&inner_ran](Exchange&) -> Result<Response> {
                       inner_ran = true;
                       return Response{};
                     });
  EXPECT_TRUE(r);
  EXPECT_FALSE(inner_ran);
}

}  // namespace
}  // namespace astropixel::http
