#include "http/client_ip.hpp"

#include <gtest/gtest.h>

namespace astropixel::http {
namespace {

namespace ip = boost::asio::ip;

TEST(ClientIp, ForwardedForOnlyFromTrustedProxies) {
  ClientIpResolver r({"127.0.0.1", "10.0.0.0/8"});
  EXPECT_EQ(r.resolve(ip::make_address("203.0.113.9"), "1.2.3.4"), "203.0.113.9") << "untrusted peer";
  EXPECT_EQ(r.resolve(ip::make_address("127.0.0.1"), "1.2.3.4"), "1.2.3.4");
  EXPECT_EQ(r.resolve(ip::make_address("127.0.0.1"), "6.6.6.6, 1.2.3.4, 10.1.2.3"), "1.2.3.4")
      << "right-most untrusted hop; spoofed left entries ignored";
  EXPECT_EQ(r.resolve(ip::make_address("127.0.0.1"), "garbage"), "127.0.0.1");
  EXPECT_EQ(r.resolve(ip::make_address("::ffff:127.0.0.1"), "1.2.3.4"), "1.2.3.4") << "v4-mapped peers";
}

TEST(ClientIp, RejectsMalformedConfiguration) {
  EXPECT_THROW(ClientIpResolver({"not-an-ip"}), std::invalid_argument);
  EXPECT_THROW(ClientIpResolver({"10.0.0.0/33"}), std::invalid_argument);
}

TEST(ClientIp, ConnectionsAreGroupedByAddressOrIpv6Slash64) {
  auto g = [](char const* a) { return client_group(ip::make_address(a)); };
  EXPECT_EQ(g("192.0.2.7"), g("::ffff:192.0.2.7")) << "v4-mapped is the same client";
  EXPECT_NE(g("192.0.2.7"), g("192.0.2.8"));
  EXPECT_EQ(g("2001:db8:1:2::1"), g("2001:db8:1:2:ffff:ffff:ffff:ffff")) << "one /64";
  EXPECT_NE(g("2001:db8:1:2::1"), g("2001:db8:1:3::1"));
  EXPECT_NE(g("::1"), g("127.0.0.1"));
}

}  // namespace
}  // namespace astropixel::http
