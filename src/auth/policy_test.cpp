#include "auth/policy.hpp"

#include <gtest/gtest.h>

namespace astropixel::auth {
namespace {

const Principal kOwner{"u1", "s1", Role::user};
const Principal kOther{"u2", "s2", Role::user};
const Principal kAdmin{"a1", "s3", Role::admin};
const Owned kPrivate{"u1", Visibility::private_};
const Owned kPublic{"u1", Visibility::public_};

TEST(Policy, PrivateThingsAreInvisibleToOthers) {
  EXPECT_TRUE(can_read(kOwner, kPrivate));
  EXPECT_TRUE(can_read(kAdmin, kPrivate));
  EXPECT_EQ(can_read(kOther, kPrivate).error().code, ErrorCode::not_found);
  EXPECT_EQ(can_read(std::nullopt, kPrivate).error().code, ErrorCode::not_found);
  EXPECT_EQ(can_write(kOther, kPrivate).error().code, ErrorCode::not_found) << "never 403 for the invisible";
  EXPECT_EQ(can_write(std::nullopt, kPrivate).error().code, ErrorCode::not_found);
}

TEST(Policy, AReadOnlyPrincipalReadsWhatItOwnsAndChangesNothing) {
  Principal link{"u1", "", Role::user, true};
  EXPECT_TRUE(can_read(link, kPrivate));
  EXPECT_EQ(can_write(link, kPrivate).error().code, ErrorCode::forbidden);
  EXPECT_EQ(can_write(link, kPublic).error().code, ErrorCode::forbidden);
  EXPECT_EQ(can_read(Principal{"u2", "", Role::user, true}, kPrivate).error().code, ErrorCode::not_found);
  Principal admin{"a1", "", Role::admin, true};
  EXPECT_FALSE(admin.is_admin()) << "read-only is never an administrator";
  EXPECT_EQ(can_read(admin, kPrivate).error().code, ErrorCode::not_found);
  EXPECT_EQ(require_admin(admin).error().code, ErrorCode::forbidden);
}

TEST(Policy, PublicThingsAreReadableByAllWritableByOwnerAndAdmin) {
  EXPECT_TRUE(can_read(std::nullopt, kPublic));
  EXPECT_TRUE(can_read(kOther, kPublic));
  EXPECT_TRUE(can_write(kOwner, kPublic));
  EXPECT_TRUE(can_write(kAdmin, kPublic));
  EXPECT_EQ(can_write(kOther, kPublic).error().code, ErrorCode::forbidden);
  EXPECT_EQ(can_write(std::nullopt, kPublic).error().code, ErrorCode::unauthorized);
}

TEST(Policy, AdminOnly) {
  EXPECT_TRUE(require_admin(kAdmin));
  EXPECT_EQ(require_admin(kOwner).error().code, ErrorCode::forbidden);
  EXPECT_EQ(require_admin(std::nullopt).error().code, ErrorCode::unauthorized);
  EXPECT_EQ(require_user(std::nullopt).error().code, ErrorCode::unauthorized);
}

}  // namespace
}  // namespace astropixel::auth
