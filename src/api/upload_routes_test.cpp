#include "api/upload_routes.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/fields.hpp>

namespace astropixel::api {
namespace {

class DeclaredBody final : public http::BodyReader {
 public:
  explicit DeclaredBody(std::optional<std::uint64_t> length) : length_(length) {}
  http::asio::awaitable<Result<std::size_t>> read_some(std::span<char>) override { co_return std::size_t{0}; }
  std::optional<std::uint64_t> content_length() const override { return length_; }
  std::uint64_t consumed() const override { return 0; }
  bool done() const override { return true; }

 private:
  std::optional<std::uint64_t> length_;
};

// A request with these headers and a body of the declared length.
struct TusRequest {
  boost::beast::http::fields fields;
  DeclaredBody body;
  http::Request req;
  TusRequest(std::initializer_list<std::pair<char const*, char const*>> headers,
             std::optional<std::uint64_t> length = std::nullopt)
      : body(length) {
    for (auto [k, v] : headers) fields.set(k, v);
    req.headers = &fields;
    req.body = &body;
  }
  TusRequest(TusRequest const&) = delete;  // req points into this object
};

TEST(TusVersion, OnlyOneZeroZero) {
  EXPECT_TRUE(tus_version(TusRequest({{"Tus-Resumable", "1.0.0"}}).req));
  for (auto const& r : {TusRequest({}), TusRequest({{"Tus-Resumable", "0.2.2"}})}) {
    auto s = tus_version(r.req);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::precondition_failed);
    EXPECT_EQ(s.error().reason, "tus_version_unsupported");
  }
}

TEST(TusCreation, ReadsLengthBodyAndChecksum) {
  TusRequest r({{"Upload-Length", "1000"},
                {"Content-Type", "application/offset+octet-stream"},
                {"Upload-Checksum", "sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0="}},
               10);
  auto c = tus_creation(r.req);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->length, 1000u);
  EXPECT_TRUE(c->has_body);
  EXPECT_NE(c->checksum, nullptr);
  auto bare = tus_creation(TusRequest({{"Upload-Length", "0"}}).req);
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->has_body);
  EXPECT_EQ(bare->checksum, nullptr);
}

TEST(TusCreation, RefusesWhatTusDoesNotAllow) {
  struct Case {
    TusRequest r;
    ErrorCode code;
    std::string reason;
  };
  Case cases[] = {
      {TusRequest({{"Upload-Defer-Length", "1"}}), ErrorCode::bad_request, "invalid_tus_header"},
      {TusRequest({{"Upload-Length", "-1"}}), ErrorCode::bad_request, "invalid_tus_header"},
      {TusRequest({{"Upload-Length", "12a"}}), ErrorCode::bad_request, "invalid_tus_header"},
      {TusRequest({{"Upload-Length", "100"}, {"Content-Type", "text/plain"}}, 5),
       ErrorCode::unsupported_media_type, ""},
      {TusRequest({{"Upload-Length", "4"}, {"Content-Type", "application/offset+octet-stream"}}, 5),
       ErrorCode::payload_too_large, "past_upload_length"},
  };
  for (auto const& c : cases) {
    auto got = tus_creation(c.r.req);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code, c.code);
    EXPECT_EQ(got.error().reason, c.reason);
  }
}

TEST(TusAppend, NeedsOctetStreamAndAnOffset) {
  auto ok = tus_append(
      TusRequest({{"Content-Type", "application/offset+octet-stream"}, {"Upload-Offset", "42"}}).req);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->offset, 42u);
  auto wrong_type = tus_append(TusRequest({{"Upload-Offset", "42"}}).req);
  ASSERT_FALSE(wrong_type);
  EXPECT_EQ(wrong_type.error().code, ErrorCode::unsupported_media_type);
  auto no_offset = tus_append(TusRequest({{"Content-Type", "application/offset+octet-stream"}}).req);
  ASSERT_FALSE(no_offset);
  EXPECT_EQ(no_offset.error().reason, "invalid_tus_header");
  auto bad_sum = tus_append(TusRequest({{"Content-Type", "application/offset+octet-stream"},
                                        {"Upload-Offset", "0"},
                                        {"Upload-Checksum", "crc99 AAAA"}})
                                .req);
  ASSERT_FALSE(bad_sum);
}

}  // namespace
}  // namespace astropixel::api
