#include "upload/checksum.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <random>
#include <string>
#include <vector>

namespace astropixel::upload {
namespace {

std::string header_for(std::string_view algorithm, std::string const& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(body.data(), body.size(), digest, &size, EVP_get_digestbyname(std::string(algorithm).c_str()),
             nullptr);
  std::string b64(4 * ((size + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), digest, static_cast<int>(size));
  b64.resize(static_cast<std::size_t>(n));
  return std::string(algorithm) + " " + b64;
}

std::string random_body(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

bool accepts(std::string const& header, std::string const& body, std::size_t piece) {
  auto c = Checksum::parse(header).value();
  for (std::size_t at = 0; at < body.size(); at += piece)
    c->update({body.data() + at, std::min(piece, body.size() - at)});
  return c->verify().has_value();
}

TEST(Checksum, TheRightDigestPassesHoweverTheBodyIsSplit) {
  auto body = random_body(10'000, 1);
  for (auto alg : {"md5", "sha1", "sha256", "sha512"}) {
    for (std::size_t piece : {1u, 7u, 4096u, 10'000u})
      EXPECT_TRUE(accepts(header_for(alg, body), body, piece));
  }
}

// The condition behind a CI failure once taken for a data-integrity bug: a test "corrupted" its body
// by writing b"x" over the last byte, which changed nothing when that byte already was 'x'. Here
// every single-bit change anywhere in the body must be refused.
TEST(Checksum, EverySingleBitFlipIsRefused) {
  auto body = random_body(512, 2);
  for (auto alg : {"md5", "sha1", "sha256", "sha512"}) {
    auto header = header_for(alg, body);
    for (std::size_t i = 0; i < body.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        auto changed = body;
        changed[i] = static_cast<char>(changed[i] ^ (1 << bit));
        auto c = Checksum::parse(header).value();
        c->update(changed);
        auto verdict = c->verify();
        ASSERT_FALSE(verdict.has_value()) << alg << " byte " << i << " bit " << bit;
        EXPECT_EQ(verdict.error().reason, "checksum_mismatch");
      }
    }
  }
}

TEST(Checksum, AShortOrLongBodyIsRefused) {
  auto body = random_body(1000, 3);
  auto header = header_for("sha1", body);
  EXPECT_FALSE(accepts(header, body.substr(0, 999), 100));
  EXPECT_FALSE(accepts(header, body + '\0', 100));
  EXPECT_FALSE(accepts(header, "", 1));
}

TEST(Checksum, MalformedHeadersAndUnknownAlgorithms) {
  EXPECT_EQ(Checksum::parse("crc32 AAAAAA==").error().reason, "checksum_algorithm_unsupported");
  for (auto bad : {"sha1", "sha1 ", "sha1 not-base64!", " sha1 AAAA", "sha1 AAAA"}) {
    EXPECT_FALSE(Checksum::parse(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace astropixel::upload
