#include "http/response_head.hpp"

#include <charconv>

namespace astropixel::http {

namespace bhttp = boost::beast::http;

namespace {

void append_number(std::string& out, std::uint64_t v) {
  char digits[20];
  auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
  out.append(digits, end);
}

bool is_token_char(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

bool header_value_safe(std::string_view value) {
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

std::optional<std::string> first_unsafe_field(bhttp::fields const& fields) {
  for (auto const& f : fields) {
    auto name = f.name_string();
    bool name_ok = !name.empty();
    for (char ch : name) name_ok = name_ok && is_token_char(static_cast<unsigned char>(ch));
    auto value = f.value();
    if (!name_ok || !header_value_safe(std::string_view(value.data(), value.size())))
      return std::string(name.data(), name.size());
  }
  return std::nullopt;
}

void format_head(std::string& out, bhttp::status status, bhttp::fields const& fields,
                 std::optional<std::uint64_t> content_length, bool keep_alive) {
  out += "HTTP/1.1 ";
  append_number(out, static_cast<unsigned>(status));
  out += ' ';
  // 460 is the tus checksum extension's; Beast knows only the registered codes.
  auto known = bhttp::obsolete_reason(status);
  std::string_view reason = static_cast<unsigned>(status) == 460
                                ? std::string_view("Checksum Mismatch")
                                : std::string_view(known.data(), known.size());
  out.append(reason.data(), reason.size());
  out += "\r\n";
  for (auto const& f : fields) {
    auto name = f.name();
    if (name == bhttp::field::connection || name == bhttp::field::content_length) continue;
    auto n = f.name_string();
    auto v = f.value();
    out.append(n.data(), n.size());
    out += ": ";
    out.append(v.data(), v.size());
    out += "\r\n";
  }
  if (content_length) {
    out += "Content-Length: ";
    append_number(out, *content_length);
    out += "\r\n";
  }
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
}

}  // namespace astropixel::http
