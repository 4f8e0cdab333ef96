#include "auth/viewer_links.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <charconv>
#include <stdexcept>

namespace astropixel::auth {
namespace {

// 128 bits of the MAC: forging one is 2^128 guesses, and the path stays short.
constexpr std::size_t kSignatureBytes = 16;
constexpr std::size_t kSignatureChars = 22;  // base64url without padding of 16 bytes

bool is_b64url(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

}  // namespace

std::optional<LinkedIdent> split_viewer_link(std::string_view ident) {
  auto first = ident.find('~');
  if (first == std::string_view::npos) return LinkedIdent{ident, std::nullopt};
  auto second = ident.find('~', first + 1);
  if (first == 0 || second == std::string_view::npos) return std::nullopt;
  auto exp = ident.substr(first + 1, second - first - 1);
  auto sig = ident.substr(second + 1);
  // Digits only (no sign, at most 12: past the year 33000), and exactly one signature's characters.
  if (exp.empty() || exp.size() > 12 || sig.size() != kSignatureChars) return std::nullopt;
  for (char c : sig)
    if (!is_b64url(c)) return std::nullopt;
  std::int64_t expires_at = 0;
  auto [end, ec] = std::from_chars(exp.data(), exp.data() + exp.size(), expires_at);
  if (ec != std::errc() || end != exp.data() + exp.size() || exp[0] == '-' || exp[0] == '+')
    return std::nullopt;
  return LinkedIdent{ident.substr(0, first), ViewerLink{expires_at, std::string(sig)}};
}

std::string link_suffix(ViewerLink const& link) {
  return fmt::format("~{}~{}", link.expires_at, link.signature);
}

LinkSigner::LinkSigner(std::string_view secret) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  static constexpr unsigned char kContext[] = "astropixel viewer link v1";
  crypto_generichash(key_, sizeof key_, reinterpret_cast<unsigned char const*>(secret.data()), secret.size(),
                     kContext, sizeof kContext - 1);
}

std::string LinkSigner::signature(std::string_view dataset_id, std::int64_t expires_at,
                                  std::int64_t epoch) const {
  // Newline-separated: an id never holds one, so no two (id, exp, epoch) give the same input.
  auto input = fmt::format("{}\n{}\n{}", dataset_id, expires_at, epoch);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key_, sizeof key_);
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<unsigned char const*>(input.data()), input.size());
  crypto_auth_hmacsha256_final(&st, mac);
  std::string out(sodium_base64_ENCODED_LEN(kSignatureBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), mac, kSignatureBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(kSignatureChars);
  return out;
}

ViewerLink LinkSigner::sign(std::string_view dataset_id, std::int64_t expires_at, std::int64_t epoch) const {
  return {expires_at, signature(dataset_id, expires_at, epoch)};
}

bool LinkSigner::verify(std::string_view dataset_id, ViewerLink const& link, std::int64_t epoch,
                        std::int64_t now_s) const {
  auto const expected = signature(dataset_id, link.expires_at, epoch);
  // Both always compared in full: how far a forged signature matches never shows in the time taken.
  bool const same = link.signature.size() == expected.size() &&
                    sodium_memcmp(link.signature.data(), expected.data(), expected.size()) == 0;
  return same && now_s < link.expires_at;
}

}  // namespace astropixel::auth
