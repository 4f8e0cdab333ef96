#include "auth/tokens.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

namespace astropixel::auth {
namespace {

std::string b64(std::string_view s) {
  std::string out(sodium_base64_ENCODED_LEN(s.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<unsigned char const*>(s.data()), s.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

const TokenCodec kCodec(std::string(64, 'k'));
constexpr std::int64_t kNow = 1'800'000'000;
AccessClaims claims() {
  return {"user1", "sess1", kNow, kNow, kNow + 1800};
}

std::string reason(Result<AccessClaims> const& r) {
  return r ? "ok" : r.error().reason;
}

TEST(Tokens, RoundTrip) {
  auto t = kCodec.issue(claims());
  auto c = kCodec.verify(t, kNow + 10).value();
  EXPECT_EQ(c.user_id, "user1");
  EXPECT_EQ(c.session_id, "sess1");
  EXPECT_EQ(c.expires_at, kNow + 1800);
}

TEST(Tokens, RejectsExpiredAndNotYetValidWithSkew) {
  auto t = kCodec.issue(claims());
  EXPECT_EQ(reason(kCodec.verify(t, kNow + 1800 + 29)), "ok") << "within the 30 s skew";
  EXPECT_EQ(reason(kCodec.verify(t, kNow + 1800 + 31)), "token_expired");
  EXPECT_EQ(reason(kCodec.verify(t, kNow - 31)), "token_not_yet_valid");
}

TEST(Tokens, RejectsForgeries) {
  auto t = kCodec.issue(claims());
  auto d1 = t.find('.'), d2 = t.rfind('.');
  auto payload = t.substr(d1 + 1, d2 - d1 - 1), sig = t.substr(d2 + 1);
  // alg=none with and without a signature
  auto none = b64(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".";
  EXPECT_EQ(reason(kCodec.verify(none, kNow)), "invalid_token");
  EXPECT_EQ(reason(kCodec.verify(none + sig, kNow)), "invalid_token");
  // other algorithms, even with a valid-looking signature
  for (auto alg : {"HS512", "RS256", "ES256", "hs256"}) {
    auto other = b64(std::string(R"({"alg":")") + alg + R"(","typ":"JWT"})") + "." + payload + "." + sig;
    EXPECT_EQ(reason(kCodec.verify(other, kNow)), "invalid_token") << alg;
  }
  // tampered payload: another user
  auto forged =
      t.substr(0, d1 + 1) +
      b64(R"({"sub":"admin","sid":"sess1","typ":"access","iat":1800000000,"nbf":1800000000,"exp":1900000000})") +
      "." + sig;
  EXPECT_EQ(reason(kCodec.verify(forged, kNow)), "invalid_token");
  // bad signature, another key
  auto flipped = t;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(reason(kCodec.verify(flipped, kNow)), "invalid_token");
  EXPECT_EQ(reason(TokenCodec(std::string(64, 'x')).verify(t, kNow)), "invalid_token");
  // size cap and garbage
  EXPECT_EQ(reason(kCodec.verify(std::string(16384, 'a'), kNow)), "invalid_token");
  for (auto g : {"", "a.b", "a.b.c.d", "....", "!!!.@@@.###", "eyJ.eyJ.sig"}) {
    EXPECT_EQ(reason(kCodec.verify(g, kNow)), "invalid_token") << g;
  }
}

// Signs like the server does (key derived from the secret), so claim checks are reached.
std::string sign_raw(std::string_view secret, std::string_view header, std::string_view payload) {
  unsigned char key[32];
  static constexpr unsigned char kContext[] = "astropixel access token v1";
  crypto_generichash(key, sizeof key, reinterpret_cast<unsigned char const*>(secret.data()), secret.size(),
                     kContext, sizeof kContext - 1);
  std::string input = b64(header) + "." + b64(payload);
  unsigned char mac[32];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key, sizeof key);
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<unsigned char const*>(input.data()), input.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return input + "." + b64(std::string_view(reinterpret_cast<char const*>(mac), sizeof mac));
}

TEST(Tokens, ValidlySignedButIncompleteClaimsAreRejected) {
  std::string secret(64, 'k');
  auto h = R"({"alg":"HS256","typ":"JWT"})";
  auto good =
      sign_raw(secret, h, R"({"sub":"u","sid":"s","typ":"access","iat":1800000000,"exp":1800001800})");
  EXPECT_EQ(reason(kCodec.verify(good, kNow)), "ok") << "the helper signs like the server";
  EXPECT_EQ(reason(kCodec.verify(
                sign_raw(secret, h, R"({"sub":"u","sid":"s","typ":"access","iat":1800000000})"), kNow)),
            "invalid_token");
  EXPECT_EQ(
      reason(kCodec.verify(
          sign_raw(secret, h, R"({"sub":"u","sid":"s","typ":"refresh","iat":1800000000,"exp":1800001800})"),
          kNow)),
      "invalid_token");
  EXPECT_EQ(reason(kCodec.verify(
                sign_raw(secret, h, R"({"sub":"u","sid":"s","typ":"access","iat":1800000000,"exp":"never"})"),
                kNow)),
            "invalid_token");
  EXPECT_EQ(reason(kCodec.verify(
                sign_raw(secret, R"({"alg":"HS256","crit":["x"]})",
                         R"({"sub":"u","sid":"s","typ":"access","iat":1800000000,"exp":1800001800})"),
                kNow)),
            "invalid_token");
}

TEST(Tokens, DigestIsStableHex) {
  EXPECT_EQ(token_digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace astropixel::auth
