// One suite, two databases: every case runs against a fresh SQLite file and a fresh PostgreSQL
// database, so the SQL we write once behaves the same on both.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <latch>
#include <thread>

#include "core/ids.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "db/sql_session_repository.hpp"
#include "db/sql_user_repository.hpp"
#include "db/testing/fresh_database.hpp"

namespace astropixel::db {
namespace {

class Contract : public testing::FreshDatabase {
 protected:
  auth::NewUser alice() {
    return {"Alice@Example.org", "Alice_1", "Alice A.", "$argon2id$v=19$fake", auth::Role::user};
  }
};

TEST_P(Contract, MigrationsAreIdempotent) {
  auto again = migrate(*pool_).value();
  EXPECT_EQ(again.from_version, latest_schema_version());
  EXPECT_EQ(again.to_version, latest_schema_version());
}

TEST_P(Contract, ConcurrentMigrationsFromSeveralInstances) {
  // Several instances starting together on one fresh database: each connects, then all migrate at
  // once. Every one must succeed. (On PostgreSQL the unserialised CREATE TABLE IF NOT EXISTS of
  // schema_migrations failed here on pg_type's unique index.)
  constexpr int kInstances = 6, kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    auto url = empty_database();
    std::vector<std::unique_ptr<Pool>> pools;
    for (int i = 0; i < kInstances; ++i)
      pools.push_back(make_pool(url, {1, 0, std::chrono::milliseconds(20000)}).value());
    std::latch start(kInstances);
    std::vector<std::string> failures(kInstances);
    std::vector<std::thread> threads;
    for (int i = 0; i < kInstances; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        auto r = migrate(*pools[static_cast<std::size_t>(i)]);
        if (!r) failures[static_cast<std::size_t>(i)] = r.error().message + ": " + r.error().detail;
      });
    }
    for (auto& t : threads) t.join();
    for (int i = 0; i < kInstances; ++i)
      EXPECT_EQ(failures[static_cast<std::size_t>(i)], "") << "round " << round;
    auto again = migrate(*pools[0]).value();
    EXPECT_EQ(again.from_version, latest_schema_version());
  }
}

TEST_P(Contract, CreateAndFindUserCaseInsensitively) {
  SqlUserRepository repo(*pool_);
  auto created = repo.create(alice()).value();
  EXPECT_EQ(created.id.size(), 32u);
  EXPECT_EQ(created.username, "alice_1") << "usernames are stored lowercase";
  EXPECT_EQ(created.email, "Alice@Example.org") << "email kept as typed";
  EXPECT_EQ(repo.find_by_login("alice@example.ORG").value().id, created.id);
  EXPECT_EQ(repo.find_by_login("ALICE_1").value().id, created.id);
  auto by_id = repo.find_by_id(created.id).value();
  EXPECT_EQ(by_id.full_name, "Alice A.");
  EXPECT_EQ(by_id.role, auth::Role::user);
  EXPECT_FALSE(by_id.disabled);
  EXPECT_EQ(repo.find_by_id("nope").error().code, ErrorCode::not_found);
  EXPECT_EQ(repo.count().value(), 1);
}

TEST_P(Contract, DuplicatesNameTheField) {
  SqlUserRepository repo(*pool_);
  ASSERT_TRUE(repo.create(alice()).has_value());
  auto dup_email = alice();
  dup_email.username = "other";
  dup_email.email = "ALICE@example.org";
  auto e1 = repo.create(dup_email);
  ASSERT_TRUE(e1.has_error());
  EXPECT_EQ(e1.error().code, ErrorCode::conflict);
  EXPECT_EQ(e1.error().reason, "email_taken");
  auto dup_name = alice();
  dup_name.email = "bob@example.org";
  dup_name.username = "ALICE_1";
  EXPECT_EQ(repo.create(dup_name).error().reason, "username_taken");
}

TEST_P(Contract, Updates) {
  SqlUserRepository repo(*pool_);
  auto u = repo.create(alice()).value();
  ASSERT_TRUE(repo.update_profile(u.id, "New Name", "https://example.org/a.png"));
  ASSERT_TRUE(repo.set_password_hash(u.id, "$argon2id$new"));
  ASSERT_TRUE(repo.set_role(u.id, auth::Role::admin));
  ASSERT_TRUE(repo.set_disabled(u.id, true));
  auto v = repo.find_by_id(u.id).value();
  EXPECT_EQ(v.full_name, "New Name");
  EXPECT_EQ(v.avatar_url, "https://example.org/a.png");
  EXPECT_EQ(v.password_hash, "$argon2id$new");
  EXPECT_EQ(v.role, auth::Role::admin);
  EXPECT_TRUE(v.disabled);
  EXPECT_GE(v.updated_at, v.created_at);
  EXPECT_EQ(repo.set_role("missing", auth::Role::admin).error().code, ErrorCode::not_found);
}

// The account page's own changes: a new email (its key unique case-insensitively), and deleting
// oneself, which keeps at least one enabled administrator in the same statement.
TEST_P(Contract, EmailChangeAndSelfDeletionKeepAnAdmin) {
  SqlUserRepository repo(*pool_);
  auto a = repo.create(alice()).value();
  auto b = repo.create({"bob@example.org", "bob", "", "$argon2id$fake", auth::Role::admin}).value();
  ASSERT_TRUE(repo.set_email(a.id, "Alice.New@Example.org"));
  EXPECT_EQ(repo.find_by_login("alice.new@example.org").value().id, a.id);
  auto taken = repo.set_email(a.id, "BOB@example.org");
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().reason, "email_taken");
  EXPECT_EQ(repo.set_email("missing", "x@example.org").error().code, ErrorCode::not_found);

  EXPECT_EQ(repo.count_other_admins(b.id).value(), 0);
  EXPECT_EQ(repo.count_other_admins(a.id).value(), 1);
  auto last = repo.remove_keeping_an_admin(b.id);
  ASSERT_FALSE(last);
  EXPECT_EQ(last.error().reason, "last_admin");
  ASSERT_TRUE(repo.find_by_id(b.id));
  // A disabled administrator does not count as the one left.
  ASSERT_TRUE(repo.set_role(a.id, auth::Role::admin));
  ASSERT_TRUE(repo.set_disabled(a.id, true));
  EXPECT_EQ(repo.remove_keeping_an_admin(b.id).error().reason, "last_admin");
  ASSERT_TRUE(repo.set_disabled(a.id, false));
  EXPECT_EQ(repo.count_other_admins(b.id).value(), 1);
  ASSERT_TRUE(repo.remove_keeping_an_admin(b.id));
  EXPECT_EQ(repo.find_by_id(b.id).error().code, ErrorCode::not_found);
  EXPECT_EQ(repo.remove_keeping_an_admin(b.id).error().code, ErrorCode::not_found);
  // A plain user goes whatever the admins.
  auto c = repo.create({"carol@example.org", "carol", "", "$argon2id$fake", auth::Role::user}).value();
  ASSERT_TRUE(repo.remove_keeping_an_admin(c.id));
}

TEST_P(Contract, TransactionsRollBackUnlessCommitted) {
  auto conn = pool_->acquire().value();
  {
    auto tx = Transaction::begin(*conn, true).value();
    ASSERT_TRUE(conn->query(
        "INSERT INTO users (id, email, email_key, username, password_hash, created_at, updated_at) "
        "VALUES ('x', 'x@x', 'x@x', 'x', 'h', 0, 0)"));
  }
  EXPECT_EQ(conn->query("SELECT COUNT(*) FROM users").value().int64(0, 0), 0);
  {
    auto tx = Transaction::begin(*conn, true).value();
    ASSERT_TRUE(conn->query(
        "INSERT INTO users (id, email, email_key, username, password_hash, created_at, updated_at) "
        "VALUES ('x', 'x@x', 'x@x', 'x', 'h', 0, 0)"));
    ASSERT_TRUE(tx.commit());
  }
  EXPECT_EQ(conn->query("SELECT COUNT(*) FROM users").value().int64(0, 0), 1);
}

TEST_P(Contract, ConcurrentWritersDoNotFail) {
  SqlUserRepository repo(*pool_);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto n = std::to_string(t) + "_" + std::to_string(i);
        if (!repo.create({"u" + n + "@x.org", "u" + n, "", "h", auth::Role::user})) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(repo.count().value(), 100);
}

TEST_P(Contract, ListSearchesAndPages) {
  SqlUserRepository repo(*pool_);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(repo.create(
        {"user" + std::to_string(i) + "@x.org", "user_" + std::to_string(i), "", "h", auth::Role::user}));
  }
  ASSERT_TRUE(repo.create({"odd%@x.org", "percent", "Ada Lovelace", "h", auth::Role::user}));
  auto all = repo.list("", 4, 0).value();
  EXPECT_EQ(all.total, 6);
  EXPECT_EQ(all.users.size(), 4u);
  EXPECT_EQ(repo.list("", 4, 4).value().users.size(), 2u);
  EXPECT_EQ(repo.list("LOVELACE", 10, 0).value().total, 1);
  EXPECT_EQ(repo.list("%", 10, 0).value().total, 1) << "wildcards match literally";
  EXPECT_EQ(repo.list("_", 10, 0).value().total, 5);
}

TEST_P(Contract, RefreshRotationAndReuseDetection) {
  SqlUserRepository users(*pool_);
  SqlSessionRepository sessions(*pool_);
  auto u = users.create(alice()).value();
  const std::int64_t now = 1'000'000, later = 2'000'000;
  auto s = sessions.create(u.id, "d1", later, "agent", "127.0.0.1").value();
  EXPECT_EQ(sessions.active_user(s.id, u.id, now).value().id, u.id);
  EXPECT_EQ(sessions.active_user(s.id, "someone-else", now).error().code, ErrorCode::unauthorized);

  auto rotated = sessions.rotate("d1", "d2", later + 10, now).value();
  EXPECT_EQ(rotated.id, s.id) << "same family";
  EXPECT_EQ(sessions.rotate("nope", "x", later, now).error().reason, "invalid_refresh_token");
  // d1 was exchanged already: presenting it again revokes the family, so d2 dies too.
  EXPECT_EQ(sessions.rotate("d1", "d3", later, now).error().reason, "refresh_token_reused");
  EXPECT_EQ(sessions.rotate("d2", "d4", later, now).error().reason, "invalid_refresh_token");
  EXPECT_EQ(sessions.active_user(s.id, u.id, now).error().reason, "session_revoked");
}

TEST_P(Contract, ExpiryAndRevocation) {
  SqlUserRepository users(*pool_);
  SqlSessionRepository sessions(*pool_);
  auto u = users.create(alice()).value();
  auto a = sessions.create(u.id, "a1", 5000, "", "").value();
  auto b = sessions.create(u.id, "b1", 5000, "", "").value();
  auto c = sessions.create(u.id, "c1", 5000, "", "").value();
  EXPECT_EQ(sessions.rotate("a1", "a2", 9000, 6000).error().reason, "invalid_refresh_token") << "expired";
  EXPECT_EQ(sessions.active_user(a.id, u.id, 6000).error().code, ErrorCode::unauthorized);
  ASSERT_TRUE(sessions.revoke_all(u.id, b.id, 100));
  EXPECT_TRUE(sessions.active_user(b.id, u.id, 200).has_value()) << "the kept session survives";
  EXPECT_FALSE(sessions.active_user(c.id, u.id, 200).has_value());
  ASSERT_TRUE(sessions.revoke(b.id, 300));
  EXPECT_FALSE(sessions.active_user(b.id, u.id, 400).has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, Contract, ::testing::Values(Dialect::sqlite, Dialect::postgres),
                         testing::backend_name);

}  // namespace
}  // namespace astropixel::db
