#include "http/request.hpp"

#include <boost/url/parse_query.hpp>
#include <charconv>

namespace astropixel::http {

asio::awaitable<Result<std::string>> BodyReader::read_all() {
  std::string out;
  if (auto len = content_length())
    out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*len, 1 << 20)));
  char buf[16384];
  for (;;) {
    auto n = co_await read_some(buf);
    if (!n) co_return n.error();
    if (*n == 0) co_return out;
    out.append(buf, *n);
  }
}

std::string_view Request::header(std::string_view name) const {
  if (!headers) return {};
  auto it = headers->find(name);
  return it == headers->end() ? std::string_view{} : std::string_view(it->value());
}

std::string_view Request::param(std::string_view name) const {
  for (auto const& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

std::int64_t Request::param_int(std::string_view name) const {
  auto v = param(name);
  std::int64_t out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  auto params = boost::urls::parse_query(boost::core::string_view(query.data(), query.size()));
  if (!params) return std::nullopt;
  for (auto const& p : *params) {
    if (p.key.decode() == name) return p.has_value ? p.value.decode() : std::string();
  }
  return std::nullopt;
}

}  // namespace astropixel::http
