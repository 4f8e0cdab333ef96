#pragma once
#include <array>
#include <boost/asio/ip/address.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace astropixel::http {

// Which address a request comes from. X-Forwarded-For is believed only when the connection comes
// from a configured trusted proxy; then the right-most address not itself a trusted proxy wins.
class ClientIpResolver {
 public:
  // `trusted` holds addresses or CIDR networks ("127.0.0.1", "10.0.0.0/8", "::1").
  // Throws std::invalid_argument for a malformed entry (checked at start-up).
  explicit ClientIpResolver(std::vector<std::string> const& trusted);
  std::string resolve(boost::asio::ip::address const& peer, std::string_view x_forwarded_for) const;
  bool trusted(boost::asio::ip::address const& addr) const;

 private:
  struct Net {
    boost::asio::ip::address base;
    unsigned prefix;
  };
  std::vector<Net> nets_;
};

// The group a peer's connections are counted in for the per-client connection cap: an IPv4
// address (also when it arrives v4-mapped) on its own, an IPv6 address by its /64 network, which
// one host or site usually holds whole.
using ClientGroup = std::array<unsigned char, 16>;
ClientGroup client_group(boost::asio::ip::address const& peer);

}  // namespace astropixel::http
