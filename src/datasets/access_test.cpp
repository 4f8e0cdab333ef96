// The dataset access rules, and that a hidden dataset answers exactly like a missing one.
#include "datasets/access.hpp"

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "datasets/dataset_store.hpp"
#include "db/testing/fresh_database.hpp"

namespace astropixel::datasets {
namespace {

auth::Principal user(std::string id) {
  return {.user_id = std::move(id), .session_id = "s", .role = auth::Role::user};
}
auth::Principal admin() {
  return {.user_id = "root", .session_id = "s", .role = auth::Role::admin};
}
auth::Owned const kPrivate{"alice", auth::Visibility::private_};
auth::Owned const kPublic{"alice", auth::Visibility::public_};
auth::Owned const kDemo{"", auth::Visibility::public_};

std::optional<ErrorCode> code(Status const& s) {
  if (s) return std::nullopt;
  return s.error().code;
}

TEST(CheckAccess, OwnerAndAdminsReadAndWriteTheirPrivateDataset) {
  for (auto need : {Need::read, Need::write}) {
    EXPECT_TRUE(check_access(user("alice"), kPrivate, need));
    EXPECT_TRUE(check_access(admin(), kPrivate, need));
  }
}

TEST(CheckAccess, APrivateDatasetIsMissingToEveryoneElse) {
  for (auto need : {Need::read, Need::write}) {
    for (auto const& who : {std::optional<auth::Principal>{}, std::optional(user("bob"))}) {
      auto s = check_access(who, kPrivate, need);
      ASSERT_FALSE(s);
      EXPECT_EQ(s.error().code, ErrorCode::not_found);
      EXPECT_EQ(s.error().message, "Dataset not found");
    }
  }
}

TEST(CheckAccess, APublicDatasetIsReadByAllAndChangedByItsOwnerOnly) {
  EXPECT_TRUE(check_access(std::nullopt, kPublic, Need::read));
  EXPECT_TRUE(check_access(user("bob"), kPublic, Need::read));
  EXPECT_EQ(code(check_access(std::nullopt, kPublic, Need::write)), ErrorCode::unauthorized);
  EXPECT_EQ(code(check_access(user("bob"), kPublic, Need::write)), ErrorCode::forbidden);
  EXPECT_TRUE(check_access(user("alice"), kPublic, Need::write));
}

TEST(CheckAccess, TheDemoIsChangedByAdminsOnly) {
  // Its owner is empty: a user whose id were empty must not own it.
  EXPECT_EQ(code(check_access(user(""), kDemo, Need::write)), ErrorCode::forbidden);
  EXPECT_TRUE(check_access(admin(), kDemo, Need::write));
}

class AccessLookup : public db::testing::FreshDatabase {
 protected:
  void SetUp() override {
    FreshDatabase::SetUp();
    if (HasFatalFailure()) return;  // no database (the failure says why): nothing to set up
    auto c = pool_->acquire().value();
    ASSERT_TRUE(
        c->query("INSERT INTO users (id, email, email_key, username, password_hash, created_at, "
                 "updated_at) VALUES ('alice', 'a@example.org', 'a@example.org', 'alice', 'x', $1, $1)",
                 {now_unix_ms()})
            .has_value());
    Dataset d;
    d.id = "d1";
    d.owner_id = "alice";
    d.name = "M42";
    d.visibility = auth::Visibility::private_;
    ASSERT_TRUE(store::insert(*c, d).has_value());
  }
};

TEST_P(AccessLookup, ReadsOwnerAndVisibility) {
  auto c = pool_->acquire().value();
  auto owned = access(*c, user("alice"), "d1", Need::write);
  ASSERT_TRUE(owned) << owned.error().message;
  EXPECT_EQ(owned->owner_id, "alice");
  EXPECT_EQ(owned->visibility, auth::Visibility::private_);
}

TEST_P(AccessLookup, HiddenAnswersExactlyLikeMissing) {
  auto c = pool_->acquire().value();
  auto hidden = access(*c, user("bob"), "d1", Need::read);
  auto missing = access(*c, user("bob"), "nope", Need::read);
  ASSERT_FALSE(hidden);
  ASSERT_FALSE(missing);
  EXPECT_EQ(hidden.error().code, ErrorCode::not_found);
  EXPECT_EQ(hidden.error().code, missing.error().code);
  EXPECT_EQ(hidden.error().message, missing.error().message);
  EXPECT_EQ(hidden.error().detail, missing.error().detail);
}

// A build that starts after an administrator cancelled it (the dataset failed with "cancelled")
// leaves the dataset failed; otherwise it shows processing from 0 %.
class BuildStart : public AccessLookup {};

TEST_P(BuildStart, DoesNotRestartADatasetThatFailedMeanwhile) {
  auto c = pool_->acquire().value();
  auto started = store::start_processing(*c, "d1");
  ASSERT_TRUE(started.has_value());
  EXPECT_TRUE(*started);
  EXPECT_EQ(store::get(*c, "d1")->status, DatasetStatus::processing);
  ASSERT_TRUE(store::set_failed(*c, "d1", "cancelled", "The build was cancelled by an administrator"));
  started = store::start_processing(*c, "d1");
  ASSERT_TRUE(started.has_value());
  EXPECT_FALSE(*started);
  auto d = store::get(*c, "d1").value();
  EXPECT_EQ(d.status, DatasetStatus::failed);
  EXPECT_EQ(d.failure_code, "cancelled");
  EXPECT_FALSE(store::start_processing(*c, "gone").value());
}

INSTANTIATE_TEST_SUITE_P(Backends, AccessLookup,
                         ::testing::Values(db::Dialect::sqlite, db::Dialect::postgres),
                         db::testing::backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, BuildStart, ::testing::Values(db::Dialect::sqlite, db::Dialect::postgres),
                         db::testing::backend_name);

}  // namespace
}  // namespace astropixel::datasets
