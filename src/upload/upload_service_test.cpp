// The tus state machine against a store that fails on demand (fault injection is the one place a
// fake stands in): what a request's bytes come to — kept, dropped, durable — is decided here, in
// UploadService, whatever the store. In particular a checksummed request is acknowledged only when
// its whole body matched, and nothing of it leaves for the store before that verdict (the object
// store path once acknowledged a wrong checksum: #14 item 1).
#include "upload/upload_service.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <atomic>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "db/testing/fresh_database.hpp"
#include "storage/fs/fs_blob_store.hpp"
#include "upload/local_file_store.hpp"

namespace astropixel::upload {
namespace {

// `n` bytes that start like a PNG, so the early format check lets them in.
std::string image(std::size_t n, char fill) {
  return std::string("\x89PNG\r\n\x1a\n", 8) + std::string(n - 8, fill);
}

std::string sha256_header(std::string const& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(body.data(), body.size(), digest, &size, EVP_sha256(), nullptr);
  std::string b64(4 * ((size + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), digest, static_cast<int>(size));
  b64.resize(static_cast<std::size_t>(n));
  return "sha256 " + b64;
}

std::unique_ptr<Checksum> checksum_of(std::string const& body) {
  return Checksum::parse(sha256_header(body)).value();
}

Error failure(ErrorCode code) {
  return make_error(code, "injected");
}

// Local files underneath; each step can be made to fail, and what reached the store is counted.
class FaultyStore final : public UploadStore {
 public:
  explicit FaultyStore(std::filesystem::path dir) : files_(std::move(dir)) {}

  // Faults.
  std::atomic<bool> fail_durable = false, fail_assemble = false;
  std::atomic<std::int64_t> full_after = -1;  // write fails once this many bytes were written (-1: never)
  std::atomic<bool> always_full = false;      // every write leaves a "part" to flush
  // What happened.
  std::atomic<int> flushes = 0, durable = 0, discarded = 0;

  Result<std::string> create(std::string const& id, std::uint64_t length) override {
    return files_.create(id, length);
  }
  std::uint64_t local_bytes(std::uint64_t length, std::uint64_t offset) const override {
    return files_.local_bytes(length, offset);
  }
  std::uint64_t offset(std::string const& id, std::uint64_t recorded) override {
    return files_.offset(id, recorded);
  }
  Result<std::unique_ptr<Writer>> open(std::string const& id, std::uint64_t offset) override {
    return files_.open(id, offset);
  }
  Status write(Writer& w, std::span<char const> bytes) override {
    if (full_after >= 0 && w.end() + bytes.size() > static_cast<std::uint64_t>(full_after.load()))
      return disk_error("write", ENOSPC);
    return files_.write(w, bytes);
  }
  bool wants_flush(Writer const&) const override { return always_full; }
  Status flush(Writer& w, StillMine const& still_mine) override {
    ++flushes;
    return files_.flush(w, still_mine);
  }
  void rollback(Writer& w, std::uint64_t to) override { files_.rollback(w, to); }
  Status make_durable(Writer& w, StillMine const& still_mine) override {
    if (fail_durable) return failure(ErrorCode::unavailable);
    ++durable;
    return files_.make_durable(w, still_mine);
  }
  Result<Source> assemble(std::string const& id, std::uint64_t length, Writer* w) override {
    if (fail_assemble) return failure(ErrorCode::unavailable);
    return files_.assemble(id, length, w);
  }
  void release(std::string const& id) override { files_.release(id); }
  void discard(std::string const& id, std::string const& record) override {
    ++discarded;
    files_.discard(id, record);
  }

 private:
  LocalFileStore files_;
};

class Uploads : public db::testing::FreshDatabase {
 protected:
  void SetUp() override {
    FreshDatabase::SetUp();
    if (HasFatalFailure()) return;  // no database (the failure says why): nothing to set up
    dir_ = std::filesystem::temp_directory_path() / ("ap-uploads-" + random_hex(6));
    std::filesystem::create_directories(dir_ / "blobs");
    blobs_ = storage::FsBlobStore::open(dir_ / "blobs").value();
    datasets_ = std::make_unique<datasets::DatasetService>(*pool_, *blobs_, datasets::Settings{}, [] {});
    auto store = std::make_unique<FaultyStore>(dir_ / "uploads");
    store_ = store.get();
    service_ = std::make_unique<UploadService>(
        *pool_, *datasets_,
        Settings{.dir = dir_ / "uploads",
                 .max_upload_size = 1 << 20,
                 .reserve_bytes = 1000,
                 .free_bytes = [this]() -> Result<std::uint64_t> { return free_ - used(); },
                 .fs_slack_bytes = 0},
        std::move(store));
    auto c = pool_->acquire().value();
    auto now = now_unix_ms();
    ASSERT_TRUE(
        c->query("INSERT INTO users (id, email, email_key, username, password_hash, created_at, updated_at) "
                 "VALUES ('u1', 'a@example.org', 'a@example.org', 'alice', 'x', $1, $1)",
                 {now})
            .has_value());
  }
  void TearDown() override {
    service_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    FreshDatabase::TearDown();
  }

  // A disk of free_ bytes, on which the upload files are all that is written.
  std::uint64_t used() {
    std::uint64_t n = 0;
    for (auto const& f : std::filesystem::directory_iterator(dir_ / "uploads")) n += f.file_size();
    return n;
  }
  std::string create(std::uint64_t length) {
    auto u = service_->create(who_, length, "filename dGVzdC5wbmc=");
    EXPECT_TRUE(u.has_value()) << (u ? "" : u.error().message);
    return u ? u->id : "";
  }
  std::uint64_t offset_of(std::string const& id) { return service_->get(who_, id).value().offset; }
  // One PATCH: begin, write `body` in pieces of `piece`, end with `ended`.
  Result<Upload> patch(std::string const& id, std::uint64_t at, std::string const& body,
                       std::unique_ptr<Checksum> checksum = nullptr, Status ended = {},
                       std::size_t piece = 100) {
    auto a = service_->begin_append(who_, id, at, std::move(checksum));
    if (!a) return a.error();
    Status first;
    for (std::size_t i = 0; i < body.size() && first; i += piece) {
      if (auto s = service_->write(**a, {body.data() + i, std::min(piece, body.size() - i)}); !s) first = s;
    }
    if (!ended) first = ended;
    return service_->end_append(who_, std::move(*a), first);
  }

  auth::Principal who_{"u1", "s1"};
  std::atomic<std::uint64_t> free_{1 << 30};
  std::filesystem::path dir_;
  std::unique_ptr<storage::FsBlobStore> blobs_;
  std::unique_ptr<datasets::DatasetService> datasets_;
  FaultyStore* store_ = nullptr;
  std::unique_ptr<UploadService> service_;
};

TEST_P(Uploads, AMatchingChecksumKeepsTheBytesAndMakesThemDurable) {
  auto id = create(1000);
  std::string body = image(400, 'a');
  auto u = patch(id, 0, body, checksum_of(body));
  ASSERT_TRUE(u.has_value()) << u.error().message;
  EXPECT_EQ(u->offset, 400u);
  EXPECT_EQ(store_->durable, 1);
}

TEST_P(Uploads, AWrongChecksumIsNeverAcknowledgedAndItsBytesAreDropped) {
  auto id = create(1000);
  ASSERT_TRUE(patch(id, 0, image(200, 'a')).has_value());
  std::string body(400, 'b');
  auto wrong = body;
  wrong[123] ^= 1;             // one bit
  store_->always_full = true;  // a part is ready to leave after every write
  auto u = patch(id, 200, wrong, checksum_of(body));
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().code, ErrorCode::checksum_mismatch);
  EXPECT_EQ(offset_of(id), 200u);
  // Nothing of the checksummed request left for the store before the verdict.
  EXPECT_EQ(store_->flushes, 0);
  // Without a checksum the same bytes ship as they arrive.
  ASSERT_TRUE(patch(id, 200, wrong).has_value());
  EXPECT_GT(store_->flushes, 0);
  EXPECT_EQ(offset_of(id), 600u);
}

TEST_P(Uploads, AChecksummedBodyThatBreaksOffIsDroppedAndItsErrorAnswered) {
  auto id = create(1000);
  std::string body = image(400, 'c');
  auto u = patch(id, 0, body.substr(0, 300), checksum_of(body), failure(ErrorCode::bad_request));
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().code, ErrorCode::bad_request);
  EXPECT_EQ(offset_of(id), 0u);
}

TEST_P(Uploads, ABodyThatBreaksOffWithoutAChecksumKeepsWhatArrived) {
  auto id = create(1000);
  auto u = patch(id, 0, image(300, 'd'), nullptr, failure(ErrorCode::bad_request));
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(offset_of(id), 300u);
  EXPECT_EQ(store_->durable, 1);
}

TEST_P(Uploads, BytesPastUploadLengthRefuseTheWholeRequest) {
  auto id = create(500);
  auto u = patch(id, 0, image(600, 'e'));
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().reason, "past_upload_length");
  EXPECT_EQ(offset_of(id), 0u);
}

TEST_P(Uploads, AStoreThatCannotMakeBytesDurableIsNeverAcknowledged) {
  auto id = create(1000);
  store_->fail_durable = true;
  std::string body = image(400, 'f');
  auto u = patch(id, 0, body, checksum_of(body));
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().code, ErrorCode::unavailable);
}

TEST_P(Uploads, AFullDiskStopsTheRequestAndKeepsWhatWasWritten) {
  auto id = create(1000);
  store_->full_after = 250;
  auto u = patch(id, 0, image(400, 'g'));
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().code, ErrorCode::insufficient_storage);
  EXPECT_EQ(offset_of(id), 200u);  // whole pieces of 100 before the one that did not fit
  store_->full_after = -1;
  EXPECT_EQ(patch(id, 200, std::string(300, 'g'))->offset, 500u);
}

TEST_P(Uploads, ANewerRequestTakesOverAndTheOlderOnesWritesAreRefused) {
  auto id = create(1000);
  auto old = service_->begin_append(who_, id, 0).value();
  ASSERT_TRUE(service_->write(*old, {"xx", 2}).has_value());
  auto newer = service_->begin_append(who_, id, 2).value();
  auto s = service_->write(*old, {"yy", 2});
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().reason, "upload_taken_over");
  ASSERT_TRUE(service_->write(*newer, {"zz", 2}).has_value());
  EXPECT_EQ(service_->end_append(who_, std::move(newer))->offset, 4u);
}

TEST_P(Uploads, AFailedAssemblyLeavesTheUploadCompleteForTheNextTry) {
  auto id = create(100);
  store_->fail_assemble = true;
  auto u = patch(id, 0, image(100, 'h'));
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().code, ErrorCode::unavailable);
  EXPECT_EQ(offset_of(id), 100u);
  store_->fail_assemble = false;
  // A PNG signature and nothing readable: refused at finishing, and the upload with its bytes is
  // forgotten.
  auto again = service_->finish(who_, id);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().reason, "corrupt_image");
  EXPECT_EQ(store_->discarded, 1);
  EXPECT_EQ(service_->get(who_, id).error().code, ErrorCode::not_found);
}

// Item 11 of #14: open uploads' promises count against the disk, and writes are re-checked.
TEST_P(Uploads, CreationCountsTheRoomPromisedToOtherOpenUploads) {
  free_ = 10'000;  // reserve 1000: 9000 usable
  auto first = create(6000);
  auto refused = service_->create(who_, 4000, "");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().reason, "insufficient_disk_space");
  EXPECT_TRUE(service_->create(who_, 3000, "").has_value());
  ASSERT_TRUE(service_->terminate(who_, first).has_value());  // its promise is released
  EXPECT_TRUE(service_->create(who_, 4000, "").has_value());
}

TEST_P(Uploads, AWriteThatWouldCrossTheReserveStopsAndKeepsTheBytesSoFar) {
  auto id = create(1000);
  ASSERT_TRUE(patch(id, 0, image(300, 'i')).has_value());
  free_ = 300 + 1150;  // something else took the room: 150 left above the reserve
  auto u = patch(id, 300, std::string(400, 'i'));
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().code, ErrorCode::insufficient_storage);
  EXPECT_EQ(u.error().reason, "insufficient_disk_space");
  EXPECT_EQ(offset_of(id), 400u);  // one piece of 100 fitted
}

INSTANTIATE_TEST_SUITE_P(Sqlite, Uploads, ::testing::Values(db::Dialect::sqlite), db::testing::backend_name);

}  // namespace
TEST_P(Uploads, AFileThatStartsLikeNoImageIsRefusedAtItsFirstBytesAndDiscarded) {
  auto id = create(100000);
  // Eight bytes say nothing yet; the request that completes the head is refused whole.
  ASSERT_TRUE(patch(id, 0, "%PDF-1.7").has_value());
  auto u = patch(id, 8, "\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj" + std::string(500, ' '));
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().reason, "unsupported_format");
  EXPECT_EQ(service_->get(who_, id).error().code, ErrorCode::not_found);
  EXPECT_EQ(used(), 0u) << "no byte stays on disk";
  // A real image's head passes the same way.
  auto png = create(100000);
  ASSERT_TRUE(patch(png, 0, image(8, 'x')).has_value());
  EXPECT_EQ(patch(png, 8, std::string(500, 'x'))->offset, 508u);
}

}  // namespace astropixel::upload
