#include "storage/fs/fs_blob_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/ids.hpp"

namespace astropixel::storage {
namespace {

class FsBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("ap-blob-" + random_hex(6));
    store_ = FsBlobStore::open(root_).value();
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
  std::unique_ptr<FsBlobStore> store_;
};

// The behaviour every store shares is in ../blob_store_contract_test.cpp; here only what is the
// file system's own: temp files, free space.
TEST_F(FsBlobStoreTest, ReportsFreeSpace) {
  EXPECT_GT(store_->free_bytes().value(), 0u);
}

TEST_F(FsBlobStoreTest, UncommittedWriterLeavesNothing) {
  {
    auto w = store_->put("a/b").value();
    ASSERT_TRUE(w->write(std::string_view("partial")));
  }
  EXPECT_EQ(store_->stat("a/b").error().code, ErrorCode::not_found);
  EXPECT_TRUE(store_->list("").value().empty());
  EXPECT_TRUE(std::filesystem::is_empty(root_ / "a")) << "temp file removed";
}

}  // namespace
}  // namespace astropixel::storage
