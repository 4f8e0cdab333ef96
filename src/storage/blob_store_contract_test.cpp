// One behaviour for every BlobStore: the local file system and an S3-compatible object store (the
// s3rver that scripts/test.sh starts on 127.0.0.1; ASTROPIXEL_TEST_S3_ENDPOINT names it).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "core/ids.hpp"
#include "storage/fs/fs_blob_store.hpp"
#include "storage/s3/s3_blob_store.hpp"

namespace astropixel::storage {
namespace {

enum class Backend { fs, s3 };

class Contract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    tmp_ = std::filesystem::temp_directory_path() / ("ap-contract-" + random_hex(6));
    std::filesystem::create_directories(tmp_);
    if (GetParam() == Backend::fs) {
      store_ = FsBlobStore::open(tmp_ / "store").value();
      return;
    }
    char const* endpoint = std::getenv("ASTROPIXEL_TEST_S3_ENDPOINT");
    char const* bucket = std::getenv("ASTROPIXEL_TEST_S3_BUCKET");
    ASSERT_TRUE(endpoint && bucket)
        << "ASTROPIXEL_TEST_S3_ENDPOINT/_BUCKET are not set: run through scripts/test.sh";
    S3Config c;
    c.endpoint = endpoint;
    c.access_key = "S3RVER";
    c.secret_key = "S3RVER";
    // Each test in its own prefix: runs never see each other's objects.
    auto s3 = S3BlobStore::open(std::string("s3://") + bucket + "/t" + random_hex(6), c);
    ASSERT_TRUE(s3.has_value()) << s3.error().detail;
    s3_ = s3->get();
    store_ = std::move(*s3);
  }
  void TearDown() override {
    if (s3_) {
      EXPECT_EQ(s3_->client().stats().failures, 0u);
    }
    std::filesystem::remove_all(tmp_);
  }
  void put(std::string_view key, std::string_view data) {
    auto w = store_->put(key).value();
    ASSERT_TRUE(w->write(data));
    ASSERT_TRUE(w->commit());
  }
  std::string read_all(std::string_view key) {
    auto info = store_->stat(key).value();
    std::string out(info.size, '\0');
    EXPECT_EQ(store_->read(key, 0, out).value(), info.size);
    return out;
  }
  static std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 2654435761u) >> 13);
    return s;
  }
  std::filesystem::path tmp_;
  std::unique_ptr<BlobStore> store_;
  S3BlobStore* s3_ = nullptr;
};

TEST_P(Contract, PutReadRangedStatListRemove) {
  put("datasets/abc/source.bin", "hello world");
  put("datasets/abc/preview.jpg", "jpg");
  put("datasets/abd/source.bin", "x");
  char buf[5];
  EXPECT_EQ(store_->read("datasets/abc/source.bin", 6, buf).value(), 5u);
  EXPECT_EQ(std::string_view(buf, 5), "world");
  EXPECT_EQ(store_->read("datasets/abc/source.bin", 9, buf).value(), 2u) << "short at the end";
  EXPECT_EQ(store_->read("datasets/abc/source.bin", 100, buf).value(), 0u);
  EXPECT_EQ(store_->stat("datasets/abc/source.bin").value().size, 11u);
  auto listed = store_->list("datasets/abc/").value();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].key, "datasets/abc/preview.jpg");
  EXPECT_EQ(listed[1].size, 11u);
  EXPECT_EQ(store_->list("datasets/ab").value().size(), 3u);
  EXPECT_TRUE(store_->remove("datasets/abc/source.bin"));
  EXPECT_TRUE(store_->remove("datasets/abc/source.bin")) << "idempotent";
  EXPECT_EQ(store_->stat("datasets/abc/source.bin").error().code, ErrorCode::not_found);
  EXPECT_EQ(store_->read("datasets/abc/source.bin", 0, buf).error().code, ErrorCode::not_found);
}

TEST_P(Contract, OverwriteAndUncommittedWriters) {
  put("k/blob", "first");
  {
    auto w = store_->put("k/blob").value();
    ASSERT_TRUE(w->write(std::string_view("replacement")));
    EXPECT_EQ(read_all("k/blob"), "first") << "the old content stays visible until commit";
    ASSERT_TRUE(w->commit());
    EXPECT_EQ(read_all("k/blob"), "replacement");
  }
  {
    auto w = store_->put("k/blob").value();
    ASSERT_TRUE(w->write(std::string_view("never committed")));
  }
  EXPECT_EQ(read_all("k/blob"), "replacement") << "an uncommitted writer changes nothing";
  put("k/blob", "third");
  EXPECT_EQ(read_all("k/blob"), "third");
  EXPECT_EQ(store_->list("k/").value().size(), 1u);
}

// Over one part: the S3 store switches to a multipart upload; every byte must land in order.
TEST_P(Contract, LargeBlobsStreamInParts) {
  auto data = pattern(S3BlobStore::kMinPartSize * 2 + 12345);
  auto w = store_->put("big/blob").value();
  for (std::size_t at = 0; at < data.size(); at += 1 << 20)
    ASSERT_TRUE(w->write(std::string_view(data).substr(at, 1 << 20)));
  ASSERT_TRUE(w->commit());
  EXPECT_EQ(store_->stat("big/blob").value().size, data.size());
  std::string tail(1000, '\0');
  EXPECT_EQ(store_->read("big/blob", data.size() - 1000, tail).value(), 1000u);
  EXPECT_EQ(tail, data.substr(data.size() - 1000));
  EXPECT_EQ(read_all("big/blob"), data);
}

TEST_P(Contract, AdoptMovesAFileIn) {
  for (std::size_t size : {std::size_t{0}, std::size_t{5000}, S3BlobStore::kMinPartSize + 77}) {
    auto file = tmp_ / ("local-" + std::to_string(size));
    auto data = pattern(size);
    std::ofstream(file, std::ios::binary) << data;
    auto key = "adopted/" + std::to_string(size);
    ASSERT_TRUE(store_->adopt(key, file)) << size;
    EXPECT_FALSE(std::filesystem::exists(file)) << "the local file is gone";
    EXPECT_EQ(store_->stat(key).value().size, size);
    if (size) {
      EXPECT_EQ(read_all(key), data);
    }
  }
  EXPECT_EQ(store_->adopt("adopted/missing", tmp_ / "missing").error().code, ErrorCode::not_found);
}

TEST_P(Contract, HostileKeysAreRefused) {
  for (std::string_view key : {"../etc/passwd", "/etc/passwd", "a/../../b", "a//b", "A/b", "a/./b", "",
                               "a\\b", "a/b/", "%2e%2e/x", "sp ace"}) {
    EXPECT_EQ(store_->put(key).error().code, ErrorCode::bad_request) << key;
    char b[1];
    EXPECT_EQ(store_->read(key, 0, b).error().code, ErrorCode::bad_request) << key;
    EXPECT_FALSE(store_->remove(key)) << key;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, Contract, ::testing::Values(Backend::fs, Backend::s3),
                         [](auto const& param_info) {
                           return param_info.param == Backend::fs ? "fs" : "s3";
                         });

}  // namespace
}  // namespace astropixel::storage
