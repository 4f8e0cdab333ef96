#include "upload/upload_metadata.hpp"

#include <sodium.h>

#include <vector>

#include "core/error_catalogue.hpp"

namespace astropixel::upload {
namespace {

Error bad(std::string detail) {
  Error e = make_error(ErrorCode::bad_request, "Malformed Upload-Metadata", std::move(detail));
  e.reason = errc::invalid_upload_metadata.code;
  return e;
}

// Structure only (lead and continuation bytes); NUL is refused because names end up in headers
// and file systems.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    std::size_t n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : 4;
    if (n == 4 || i + n >= s.size() + (n == 0 ? 1 : 0)) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += n + 1;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<Metadata> parse_upload_metadata(std::string_view header) {
  Metadata out;
  if (trim(header).empty()) return out;
  if (sodium_init() < 0) return make_error(ErrorCode::internal, "libsodium unavailable");
  std::size_t start = 0;
  while (start <= header.size()) {
    auto comma = header.find(',', start);
    if (comma == std::string_view::npos) comma = header.size();
    auto pair = trim(header.substr(start, comma - start));
    start = comma + 1;
    if (pair.empty()) return bad("empty pair");
    auto space = pair.find(' ');
    auto key = pair.substr(0, space);
    auto value = space == std::string_view::npos ? std::string_view{} : trim(pair.substr(space + 1));
    if (key.size() > 64) return bad("key too long");
    for (char ch : key) {
      if (static_cast<unsigned char>(ch) <= 0x20 || static_cast<unsigned char>(ch) >= 0x7f)
        return bad("key holds a character outside printable ASCII");
    }
    if (value.find(' ') != std::string_view::npos)
      return bad("value of '" + std::string(key) + "' holds a space");
    std::vector<unsigned char> bin(value.size() / 4 * 3 + 3);
    std::size_t len = 0;
    char const* end = nullptr;
    if (!value.empty() && (sodium_base642bin(bin.data(), bin.size(), value.data(), value.size(), nullptr,
                                             &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
                           end != value.data() + value.size())) {
      return bad("value of '" + std::string(key) + "' is not base64");
    }
    std::string decoded(reinterpret_cast<char const*>(bin.data()), len);
    if (!valid_utf8(decoded)) return bad("value of '" + std::string(key) + "' is not UTF-8 text");
    if (!out.emplace(std::string(key), std::move(decoded)).second)
      return bad("key '" + std::string(key) + "' appears twice");
    if (comma == header.size()) break;
  }
  return out;
}

}  // namespace astropixel::upload
