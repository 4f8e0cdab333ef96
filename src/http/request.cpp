#include "http/request.hpp"

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
  std::string_view rest = query;
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    if (key && *key == name) {
      if (eq == std::string_view::npos) return std::string();
      if (auto value = percent_decode(pair.substr(eq + 1), true)) return value;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (plus_is_space && in[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

}  // namespace astropixel::http
