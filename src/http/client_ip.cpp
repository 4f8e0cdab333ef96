#include "http/client_ip.hpp"

#include <algorithm>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <charconv>
#include <stdexcept>

namespace astropixel::http {

namespace ip = boost::asio::ip;

namespace {
ip::address normalise(ip::address a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

ClientIpResolver::ClientIpResolver(std::vector<std::string> const& trusted) {
  for (auto const& entry : trusted) {
    std::string_view e = trim(entry);
    if (e.empty()) continue;
    auto slash = e.find('/');
    boost::system::error_code ec;
    auto addr = ip::make_address(std::string(e.substr(0, slash)), ec);
    if (ec) throw std::invalid_argument("not an IP address or network: " + std::string(e));
    unsigned max_prefix = addr.is_v4() ? 32 : 128, prefix = max_prefix;
    if (slash != std::string_view::npos) {
      auto p = e.substr(slash + 1);
      auto [ptr, err] = std::from_chars(p.data(), p.data() + p.size(), prefix);
      if (err != std::errc() || ptr != p.data() + p.size() || prefix > max_prefix) {
        throw std::invalid_argument("bad network prefix: " + std::string(e));
      }
    }
    nets_.push_back({normalise(addr), prefix});
  }
}

bool ClientIpResolver::trusted(ip::address const& raw) const {
  auto addr = normalise(raw);
  for (auto const& n : nets_) {
    if (n.base.is_v4() != addr.is_v4()) continue;
    if (addr.is_v4()) {
      if (ip::make_network_v4(n.base.to_v4(), n.prefix).canonical() ==
          ip::make_network_v4(addr.to_v4(), n.prefix).canonical()) {
        return true;
      }
    } else if (ip::make_network_v6(n.base.to_v6(), n.prefix).canonical() ==
               ip::make_network_v6(addr.to_v6(), n.prefix).canonical()) {
      return true;
    }
  }
  return false;
}

std::string ClientIpResolver::resolve(ip::address const& peer, std::string_view xff) const {
  auto client = normalise(peer);
  if (xff.empty() || !trusted(client)) return client.to_string();
  // Walk right to left: each hop appended the address it saw.
  while (!xff.empty()) {
    auto comma = xff.rfind(',');
    auto item = trim(comma == std::string_view::npos ? xff : xff.substr(comma + 1));
    xff = comma == std::string_view::npos ? std::string_view{} : xff.substr(0, comma);
    boost::system::error_code ec;
    auto addr = ip::make_address(std::string(item), ec);
    if (ec) break;  // garbage: stop believing the header here
    client = normalise(addr);
    if (!trusted(client)) break;
  }
  return client.to_string();
}

ClientGroup client_group(ip::address const& peer) {
  auto a = normalise(peer);
  if (a.is_v4()) return ip::make_address_v6(ip::v4_mapped, a.to_v4()).to_bytes();
  ClientGroup g = a.to_v6().to_bytes();
  std::fill(g.begin() + 8, g.end(), 0);
  return g;
}

}  // namespace astropixel::http
