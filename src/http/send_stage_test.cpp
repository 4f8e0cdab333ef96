#include <gtest/gtest.h>

#include "http/stage_testing.hpp"
#include "http/stages.hpp"

namespace astropixel::http {
namespace {

using testing::ok_inner;
using testing::run_stage;
using testing::TestExchange;

TEST(SendStage, KeepsAliveOnlyWhenTheRequestWasReadWholeAndNothingAskedToClose) {
  TestExchange t;
  ASSERT_TRUE(run_stage(send_stage(), t.x, ok_inner));
  ASSERT_TRUE(t.conn.written);
  EXPECT_EQ(t.conn.written->body, "ok");
  EXPECT_TRUE(t.conn.written_keep_alive);
  EXPECT_EQ(t.x.after, After::keep_alive);
  EXPECT_EQ(t.x.bytes_sent, 2u);

  TestExchange unread;  // answered before the body's end (a 401 to an upload): linger
  unread.conn.read = false;
  run_stage(send_stage(), unread.x, ok_inner);
  EXPECT_FALSE(unread.conn.written_keep_alive);
  EXPECT_EQ(unread.x.after, After::linger);

  TestExchange closing;  // a stage asked to close (a cut body, a 413)
  closing.x.close = true;
  run_stage(send_stage(), closing.x, ok_inner);
  EXPECT_FALSE(closing.conn.written_keep_alive);
  EXPECT_EQ(closing.x.after, After::close);

  TestExchange client_close;  // Connection: close, or the server is stopping
  client_close.conn.keep_alive = false;
  run_stage(send_stage(), client_close.x, ok_inner);
  EXPECT_EQ(client_close.x.after, After::close);

  TestExchange failed;  // a failed write never keeps the connection
  failed.conn.fail_write = true;
  run_stage(send_stage(), failed.x, ok_inner);
  EXPECT_EQ(failed.x.after, After::close);
  EXPECT_FALSE(failed.x.sent);
}

TEST(SendStage, HeadRequestsSendNoBody) {
  TestExchange t(beast_http::verb::head);
  run_stage(send_stage(), t.x, ok_inner);
  EXPECT_TRUE(t.conn.written_head);
  EXPECT_EQ(t.x.bytes_sent, 0u);
}

}  // namespace
}  // namespace astropixel::http
