#include "upload/disk_budget.hpp"

#include <gtest/gtest.h>

namespace astropixel::upload {
namespace {

// A disk of `free` bytes with a reserve of 100.
struct Disk {
  std::uint64_t free = 1000;
  DiskBudget budget{[this]() -> Result<std::uint64_t> { return free; }, 100};
};

TEST(DiskBudget, ClaimsCountEveryOpenReservation) {
  Disk d;
  ASSERT_TRUE(d.budget.claim("a", 600).has_value());
  auto refused = d.budget.claim("b", 301);  // 1000 - 100 - 600 = 300 usable
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::insufficient_storage);
  EXPECT_EQ(refused.error().reason, "insufficient_disk_space");
  EXPECT_TRUE(d.budget.claim("b", 300).has_value());
  EXPECT_EQ(d.budget.reserved(), 900u);
  d.budget.release("a");
  EXPECT_EQ(d.budget.reserved(), 300u);
}

TEST(DiskBudget, AWriterMayUseItsOwnReservationButNotOthers) {
  Disk d;
  ASSERT_TRUE(d.budget.claim("a", 500).has_value());
  ASSERT_TRUE(d.budget.claim("b", 400).has_value());
  EXPECT_TRUE(d.budget.draw("a", 400).has_value());  // its own promise; the disk is not fuller yet
  d.free -= 400;                                     // the bytes land
  EXPECT_EQ(d.budget.reserved(), 500u);              // a: 100 left, b: 400
  // Something else fills the disk: a's remaining 100 no longer fit next to b's 400 and the reserve.
  d.free = 550;
  auto s = d.budget.draw("a", 100);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().reason, "insufficient_disk_space");
  EXPECT_TRUE(d.budget.draw("a", 50).has_value());
}

TEST(DiskBudget, AnUndeclaredWriterIsBoundedByWhatIsFree) {
  Disk d;
  ASSERT_TRUE(d.budget.claim("form", 0).has_value());
  for (int i = 0; i < 9; ++i) {
    ASSERT_TRUE(d.budget.draw("form", 100).has_value()) << i;
    d.free -= 100;
  }
  EXPECT_FALSE(d.budget.draw("form", 1).has_value());  // the reserve is all that is left
  EXPECT_FALSE(d.budget.draw("unknown", 1).has_value());
}

TEST(DiskBudget, AWriteKeepsTheFileSystemsSlackFreeBeyondTheReserve) {
  // A file system spends whole blocks (and metadata) on a write: with 64 bytes of slack, the last
  // 64 bytes above the reserve are never written into.
  std::uint64_t free = 1000;
  DiskBudget budget{[&free]() -> Result<std::uint64_t> { return free; }, 100, 64};
  ASSERT_TRUE(budget.claim("a", 0).has_value());
  EXPECT_FALSE(budget.draw("a", 837).has_value());  // 1000 - 100 - 64 = 836 writable
  EXPECT_TRUE(budget.draw("a", 836).has_value());
}

TEST(DiskBudget, ReclaimingAKeyReplacesItsReservation) {
  Disk d;
  ASSERT_TRUE(d.budget.claim("a", 800).has_value());
  EXPECT_TRUE(d.budget.claim("a", 900).has_value());
  EXPECT_EQ(d.budget.reserved(), 900u);
}

}  // namespace
}  // namespace astropixel::upload
