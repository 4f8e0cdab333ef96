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
  void put(std::string_view key, std::string_view data) {
    auto w = store_->put(key).value();
    ASSERT_TRUE(w->write(data));
    ASSERT_TRUE(w->commit());
  }
  std::filesystem::path root_;
  std::unique_ptr<FsBlobStore> store_;
};

TEST_F(FsBlobStoreTest, PutReadRangedStatListRemove) {
  put("datasets/abc/source.bin", "hello world");
  put("datasets/abc/preview.jpg", "jpg");
  put("datasets/abd/source.bin", "x");
  char buf[5];
  EXPECT_EQ(store_->read("datasets/abc/source.bin", 6, buf).value(), 5u);
  EXPECT_EQ(std::string_view(buf, 5), "world");
  EXPECT_EQ(store_->read("datasets/abc/source.bin", 100, buf).value(), 0u);
  EXPECT_EQ(store_->stat("datasets/abc/source.bin").value().size, 11u);
  auto listed = store_->list("datasets/abc/").value();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].key, "datasets/abc/preview.jpg");
  EXPECT_EQ(store_->list("datasets/ab").value().size(), 3u);
  EXPECT_TRUE(store_->remove("datasets/abc/source.bin"));
  EXPECT_TRUE(store_->remove("datasets/abc/source.bin")) << "idempotent";
  EXPECT_EQ(store_->stat("datasets/abc/source.bin").error().code, ErrorCode::not_found);
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

TEST_F(FsBlobStoreTest, ReplaceIsAtomic) {
  put("k", "old");
  auto w = store_->put("k").value();
  ASSERT_TRUE(w->write(std::string_view("new!")));
  char buf[8];
  EXPECT_EQ(store_->read("k", 0, buf).value(), 3u) << "old content visible until commit";
  ASSERT_TRUE(w->commit());
  EXPECT_EQ(store_->read("k", 0, buf).value(), 4u);
}

TEST_F(FsBlobStoreTest, HostileKeysAreRejected) {
  for (std::string_view key : {"../etc/passwd", "/etc/passwd", "a/../../b", "a//b", "A/b", "a/./b", "",
                               "a\\b", "a/b/", "%2e%2e/x"}) {
    EXPECT_EQ(store_->put(key).error().code, ErrorCode::bad_request) << key;
    char buf[1];
    EXPECT_EQ(store_->read(key, 0, buf).error().code, ErrorCode::bad_request) << key;
    EXPECT_FALSE(store_->remove(key)) << key;
  }
}

}  // namespace
}  // namespace astropixel::storage
