#include "auth/viewer_links.hpp"

#include <gtest/gtest.h>

namespace astropixel::auth {
namespace {

const LinkSigner kSigner(std::string(64, 'k'));
constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::int64_t kExp = kNow + 86'400;

TEST(ViewerLinks, SignedLinkVerifiesUntilItExpires) {
  auto link = kSigner.sign("abc", kExp, 0);
  EXPECT_EQ(link.expires_at, kExp);
  EXPECT_EQ(link.signature.size(), 22u);
  EXPECT_TRUE(kSigner.verify("abc", link, 0, kNow));
  EXPECT_TRUE(kSigner.verify("abc", link, 0, kExp - 1));
  EXPECT_FALSE(kSigner.verify("abc", link, 0, kExp)) << "no skew: a link's end is the owner's choice";
}

TEST(ViewerLinks, AnyChangeOfDatasetEpochExpiryOrSignatureFails) {
  auto link = kSigner.sign("abc", kExp, 4);
  EXPECT_FALSE(kSigner.verify("abd", link, 4, kNow)) << "another dataset";
  EXPECT_FALSE(kSigner.verify("abc", link, 5, kNow)) << "revoked (epoch moved on)";
  EXPECT_FALSE(kSigner.verify("abc", link, 3, kNow));
  auto later = link;
  later.expires_at += 1;
  EXPECT_FALSE(kSigner.verify("abc", later, 4, kNow)) << "expiry extended by hand";
  for (std::size_t i = 0; i < link.signature.size(); ++i) {
    auto forged = link;
    forged.signature[i] = forged.signature[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(kSigner.verify("abc", forged, 4, kNow)) << i;
  }
  auto shorter = link;
  shorter.signature.pop_back();
  EXPECT_FALSE(kSigner.verify("abc", shorter, 4, kNow));
  EXPECT_FALSE(LinkSigner(std::string(64, 'j')).verify("abc", link, 4, kNow)) << "another server's key";
}

TEST(ViewerLinks, SplitsIdentifiersAndRefusesMalformedLinks) {
  auto plain = split_viewer_link("abc-v3").value();
  EXPECT_EQ(plain.ident, "abc-v3");
  EXPECT_FALSE(plain.link);

  auto link = kSigner.sign("abc", kExp, 0);
  auto ident = "abc-v3" + link_suffix(link);
  EXPECT_EQ(ident, "abc-v3~" + std::to_string(kExp) + "~" + link.signature);
  auto linked = split_viewer_link(ident).value();
  EXPECT_EQ(linked.ident, "abc-v3");
  ASSERT_TRUE(linked.link);
  EXPECT_EQ(linked.link->expires_at, kExp);
  EXPECT_EQ(linked.link->signature, link.signature);

  std::string const sig = link.signature;
  for (std::string bad : {std::string("~1~") + sig, "abc~~" + sig, "abc~1" + sig, "abc~-1~" + sig,
                          "abc~+1~" + sig, "abc~1x~" + sig, "abc~1~" + sig + "A", "abc~1~" + sig.substr(1),
                          "abc~1~" + sig.substr(1) + "=", "abc~1~" + sig.substr(1) + "/",
                          "abc~1~" + sig + "~1", "abc~9999999999999~" + sig, std::string("abc~")})
    EXPECT_FALSE(split_viewer_link(bad)) << bad;
}

}  // namespace
}  // namespace astropixel::auth
