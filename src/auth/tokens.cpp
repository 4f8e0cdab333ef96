#include "auth/tokens.hpp"

#include <sodium.h>

#include <boost/json.hpp>
#include <stdexcept>

#include "core/error_catalogue.hpp"

namespace astropixel::auth {
namespace {

std::string b64url(unsigned char const* data, std::size_t n) {
  std::string out(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), data, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::optional<std::string> unb64url(std::string_view in) {
  std::string out(in.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(), in.size(),
                        nullptr, &len, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

Error invalid(ErrorSpec const& reason, std::string detail) {
  Error e = make_error(ErrorCode::unauthorized, "Invalid or expired token", std::move(detail));
  e.reason = std::string(reason.code);
  return e;
}

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

}  // namespace

TokenCodec::TokenCodec(std::string_view secret, std::chrono::seconds skew) : skew_s_(skew.count()) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  static constexpr unsigned char kContext[] = "astropixel access token v1";
  crypto_generichash(key_, sizeof key_, reinterpret_cast<unsigned char const*>(secret.data()), secret.size(),
                     kContext, sizeof kContext - 1);
}

std::string TokenCodec::sign(std::string_view input) const {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key_, sizeof key_);
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<unsigned char const*>(input.data()), input.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return b64url(mac, sizeof mac);
}

std::string TokenCodec::issue(AccessClaims const& c) const {
  boost::json::object payload{{"sub", c.user_id},   {"sid", c.session_id}, {"typ", "access"},
                              {"iat", c.issued_at}, {"nbf", c.not_before}, {"exp", c.expires_at}};
  std::string header = b64url(reinterpret_cast<unsigned char const*>(kHeader.data()), kHeader.size());
  std::string body_json = boost::json::serialize(payload);
  std::string input =
      header + "." + b64url(reinterpret_cast<unsigned char const*>(body_json.data()), body_json.size());
  return input + "." + sign(input);
}

Result<AccessClaims> TokenCodec::verify(std::string_view token, std::int64_t now) const {
  if (token.size() > kMaxTokenBytes) return invalid(errc::invalid_token, "token too large");
  auto d1 = token.find('.');
  auto d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return invalid(errc::invalid_token, "not a compact JWS");
  }
  auto header_json = unb64url(token.substr(0, d1));
  if (!header_json) return invalid(errc::invalid_token, "bad header encoding");
  boost::system::error_code ec;
  auto header = boost::json::parse(*header_json, ec);
  if (ec || !header.is_object()) return invalid(errc::invalid_token, "bad header");
  auto const* alg = header.as_object().if_contains("alg");
  // The allow-list: exactly HS256. "none", HS512, RS256 (key confusion) all stop here.
  if (!alg || !alg->is_string() || alg->as_string() != "HS256")
    return invalid(errc::invalid_token, "algorithm not allowed");
  if (header.as_object().contains("crit")) return invalid(errc::invalid_token, "unsupported critical header");

  auto expected = sign(token.substr(0, d2));
  auto given = token.substr(d2 + 1);
  if (given.size() != expected.size() || sodium_memcmp(given.data(), expected.data(), expected.size()) != 0) {
    return invalid(errc::invalid_token, "bad signature");
  }
  auto payload_json = unb64url(token.substr(d1 + 1, d2 - d1 - 1));
  if (!payload_json) return invalid(errc::invalid_token, "bad payload encoding");
  auto payload = boost::json::parse(*payload_json, ec);
  if (ec || !payload.is_object()) return invalid(errc::invalid_token, "bad payload");
  auto const& p = payload.as_object();
  auto str = [&](char const* k) -> std::optional<std::string> {
    auto const* v = p.if_contains(k);
    if (!v || !v->is_string()) return std::nullopt;
    return std::string(v->as_string());
  };
  auto num = [&](char const* k) -> std::optional<std::int64_t> {
    auto const* v = p.if_contains(k);
    if (!v || !v->is_int64()) return std::nullopt;
    return v->as_int64();
  };
  auto sub = str("sub"), sid = str("sid"), typ = str("typ");
  auto exp = num("exp"), iat = num("iat"), nbf = num("nbf");
  if (!sub || !sid || typ != "access" || !exp || !iat) return invalid(errc::invalid_token, "missing claims");
  if (now > *exp + skew_s_) return invalid(errc::token_expired, "token expired");
  if ((nbf && now + skew_s_ < *nbf) || now + skew_s_ < *iat)
    return invalid(errc::token_not_yet_valid, "token not yet valid");
  return AccessClaims{*sub, *sid, *iat, nbf.value_or(*iat), *exp};
}

std::string token_digest(std::string_view token) {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<unsigned char const*>(token.data()), token.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return hex;
}

}  // namespace astropixel::auth
