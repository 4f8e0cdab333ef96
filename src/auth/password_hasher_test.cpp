#include "auth/password_hasher.hpp"

#include <gtest/gtest.h>

namespace astropixel::auth {
namespace {

// Small parameters keep the test fast; production defaults are 64 MiB.
const HashParams kFast{1, 8 * 1024 * 1024, 2};

TEST(PasswordHasher, HashesWithArgon2idAndVerifies) {
  PasswordHasher h(kFast);
  auto hash = h.hash("correct horse battery staple").value();
  EXPECT_TRUE(hash.starts_with("$argon2id$"));
  EXPECT_TRUE(h.verify(hash, "correct horse battery staple"));
  EXPECT_FALSE(h.verify(hash, "correct horse battery stapl"));
  EXPECT_FALSE(h.needs_rehash(hash));
  EXPECT_NE(h.hash("correct horse battery staple").value(), hash) << "salted";
}

TEST(PasswordHasher, ParameterChangeAsksForRehash) {
  PasswordHasher old_params(kFast);
  PasswordHasher new_params({2, 16 * 1024 * 1024, 2});
  auto hash = old_params.hash("password123").value();
  EXPECT_TRUE(new_params.needs_rehash(hash));
  EXPECT_TRUE(new_params.verify(hash, "password123")) << "old hashes still verify";
}

TEST(PasswordHasher, OverlongPasswordsAreRefusedBeforeHashing) {
  PasswordHasher h(kFast);
  auto r = h.hash(std::string(kMaxPasswordBytes + 1, 'a'));
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().reason, "password_too_long");
  EXPECT_FALSE(h.verify(h.hash("password123").value(), std::string(kMaxPasswordBytes + 1, 'a')));
}

}  // namespace
}  // namespace astropixel::auth
