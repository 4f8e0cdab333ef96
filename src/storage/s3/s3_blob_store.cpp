#include "storage/s3/s3_blob_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <limits>
#include <vector>

namespace astropixel::storage {

namespace {

class S3Writer final : public BlobWriter {
 public:
  S3Writer(S3Client& client, std::string object) : client_(client), object_(std::move(object)) {
    buffer_.reserve(S3BlobStore::kMinPartSize);
  }
  ~S3Writer() override {
    if (!upload_id_.empty() && !committed_) (void)client_.abort_multipart(object_, upload_id_);
  }

  Status write(std::span<char const> bytes) override {
    while (!bytes.empty()) {
      auto take = std::min(bytes.size(), S3BlobStore::kMinPartSize - buffer_.size());
      buffer_.insert(buffer_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
      bytes = bytes.subspan(take);
      if (buffer_.size() == S3BlobStore::kMinPartSize) {
        if (auto s = flush(); !s) return s;
      }
    }
    return {};
  }

  Status commit() override {
    if (upload_id_.empty()) {  // small: one PUT
      if (auto s = client_.put_object(object_, buffer_); !s) return s;
      committed_ = true;
      return {};
    }
    if (!buffer_.empty()) {
      if (auto s = flush(); !s) return s;
    }
    if (auto s = client_.complete_multipart(object_, upload_id_, etags_, size_); !s) return s;
    committed_ = true;
    return {};
  }

 private:
  Status flush() {
    if (upload_id_.empty()) {
      auto id = client_.create_multipart(object_);
      if (!id) return id.error();
      upload_id_ = *id;
    }
    if (etags_.size() >= S3BlobStore::kMaxParts)
      return make_error(ErrorCode::payload_too_large, "Blob too large for the object store");
    auto etag = client_.upload_part(object_, upload_id_, static_cast<int>(etags_.size() + 1), buffer_);
    if (!etag) return etag.error();
    etags_.push_back(*etag);
    size_ += buffer_.size();
    buffer_.clear();
    return {};
  }

  S3Client& client_;
  std::string object_;
  std::vector<char> buffer_;
  std::string upload_id_;
  std::vector<std::string> etags_;
  std::uint64_t size_ = 0;
  bool committed_ = false;
};

}  // namespace

Result<std::pair<std::string, std::string>> parse_s3_url(std::string_view url) {
  auto bad = [&](char const* why) {
    return make_error(ErrorCode::validation, "STORAGE_URL is invalid", why);
  };
  if (!url.starts_with("s3://")) return bad("an object store URL looks like s3://bucket/prefix");
  auto rest = url.substr(5);
  auto slash = rest.find('/');
  std::string bucket(rest.substr(0, slash));
  std::string prefix = slash == std::string_view::npos ? "" : std::string(rest.substr(slash + 1));
  if (bucket.size() < 3 || bucket.size() > 63) return bad("the bucket name must be 3-63 characters");
  for (char c : bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
      return bad("the bucket name may hold a-z, 0-9, '-' and '.'");
  }
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (!prefix.empty()) {
    if (!validate_key(prefix)) return bad("the prefix may hold a-z, 0-9, '.', '_', '-' and '/'");
    prefix += '/';
  }
  return std::pair(bucket, prefix);
}

Result<std::unique_ptr<S3BlobStore>> S3BlobStore::open(std::string_view url, S3Config config) {
  auto parsed = parse_s3_url(url);
  if (!parsed) return parsed.error();
  if (config.endpoint.empty()) config.endpoint = "https://s3." + config.region + ".amazonaws.com";
  config.bucket = parsed->first;
  auto store = std::unique_ptr<S3BlobStore>(
      new S3BlobStore(std::make_unique<S3Client>(config), parsed->second, config.min_part_size));
  if (auto s = store->client_->ping(); !s) return s.error();
  return store;
}

std::size_t S3BlobStore::part_size(std::uint64_t size, std::size_t min_part) {
  constexpr std::uint64_t mib = 1 << 20;
  auto needed = (size + kMaxParts - 1) / kMaxParts;
  needed = (needed + mib - 1) / mib * mib;
  return static_cast<std::size_t>(std::max<std::uint64_t>(min_part, needed));
}

Result<std::unique_ptr<BlobWriter>> S3BlobStore::put(std::string_view key) {
  if (auto s = validate_key(key); !s) return s.error();
  return std::unique_ptr<BlobWriter>(new S3Writer(*client_, object(key)));
}

Result<std::size_t> S3BlobStore::read(std::string_view key, std::uint64_t offset, std::span<char> out) {
  if (auto s = validate_key(key); !s) return s.error();
  return client_->get_range(object(key), offset, out);
}

Result<BlobInfo> S3BlobStore::stat(std::string_view key) {
  if (auto s = validate_key(key); !s) return s.error();
  auto size = client_->head_object(object(key));
  if (!size) return size.error();
  return BlobInfo{std::string(key), *size};
}

Status S3BlobStore::remove(std::string_view key) {
  if (auto s = validate_key(key); !s) return s.error();
  return client_->delete_object(object(key));
}

Result<std::vector<BlobInfo>> S3BlobStore::list(std::string_view prefix) {
  auto objects = client_->list(prefix_ + std::string(prefix));
  if (!objects) return objects.error();
  std::vector<BlobInfo> out;
  for (auto& o : *objects) out.push_back({o.key.substr(prefix_.size()), o.size});
  return out;
}

Result<std::uint64_t> S3BlobStore::free_bytes() {
  if (auto s = client_->ping(); !s) return s.error();
  return std::numeric_limits<std::uint64_t>::max();
}

Status S3BlobStore::adopt(std::string_view key, std::filesystem::path const& file) {
  if (auto s = validate_key(key); !s) return s.error();
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::not_found, "File to store not found", file.string());
  struct Close {
    int fd;
    ~Close() { ::close(fd); }
  } closer{fd};
  std::uint64_t size = std::filesystem::file_size(file);
  auto part = part_size(size, min_part_);
  std::vector<char> buffer(
      static_cast<std::size_t>(std::min<std::uint64_t>(part, std::max<std::uint64_t>(size, 1))));
  auto read_part = [&](std::uint64_t at, std::size_t n) -> Result<std::span<char const>> {
    std::size_t got = 0;
    while (got < n) {
      auto r = ::pread(fd, buffer.data() + got, n - got, static_cast<off_t>(at + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return make_error(ErrorCode::internal, "Cannot read the file to store", file.string());
      got += static_cast<std::size_t>(r);
    }
    return std::span<char const>(buffer.data(), n);
  };
  auto object_key = object(key);
  if (size <= part) {
    auto bytes = read_part(0, static_cast<std::size_t>(size));
    if (!bytes) return bytes.error();
    if (auto s = client_->put_object(object_key, *bytes); !s) return s;
  } else {
    auto id = client_->create_multipart(object_key);
    if (!id) return id.error();
    std::vector<std::string> etags;
    Status failed;
    for (std::uint64_t at = 0; at < size && failed; at += part) {
      auto n = static_cast<std::size_t>(std::min<std::uint64_t>(part, size - at));
      auto bytes = read_part(at, n);
      if (!bytes) {
        failed = bytes.error();
        break;
      }
      auto etag = client_->upload_part(object_key, *id, static_cast<int>(etags.size() + 1), *bytes);
      if (!etag) {
        failed = etag.error();
        break;
      }
      etags.push_back(*etag);
    }
    if (failed) failed = client_->complete_multipart(object_key, *id, etags, size);
    if (!failed) {
      (void)client_->abort_multipart(object_key, *id);
      return failed;
    }
  }
  std::error_code ec;
  std::filesystem::remove(file, ec);
  return {};
}

Result<std::string> S3BlobStore::begin(std::string_view key) {
  if (auto s = validate_key(key); !s) return s.error();
  return client_->create_multipart(object(key));
}

Result<std::string> S3BlobStore::put_part(std::string_view key, std::string const& session, int number,
                                          std::span<char const> bytes) {
  if (auto s = validate_key(key); !s) return s.error();
  if (number < 1 || static_cast<std::size_t>(number) > kMaxParts)
    return make_error(ErrorCode::payload_too_large, "Blob too large for the object store");
  return client_->upload_part(object(key), session, number, bytes);
}

Status S3BlobStore::complete(std::string_view key, std::string const& session,
                             std::vector<std::string> const& tags, std::uint64_t size) {
  if (auto s = validate_key(key); !s) return s;
  return client_->complete_multipart(object(key), session, tags, size);
}

Status S3BlobStore::abort(std::string_view key, std::string const& session) {
  if (auto s = validate_key(key); !s) return s;
  return client_->abort_multipart(object(key), session);
}

}  // namespace astropixel::storage
