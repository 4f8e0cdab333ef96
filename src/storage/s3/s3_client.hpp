#pragma once
// A small S3 REST client on libcurl with AWS Signature V4 (CURLOPT_AWS_SIGV4), path-style addressing
// (what S3-compatible servers expect), bounded retries with exponential backoff and full jitter on
// connection/TLS errors and 5xx/SlowDown, and a circuit breaker that answers at once while the store
// is down. Every payload is hashed (x-amz-content-sha256), so a corrupted body is refused by S3.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "storage/s3/circuit_breaker.hpp"

namespace astropixel::storage {

struct S3Config {
  std::string endpoint;  // "http://127.0.0.1:9000" or "https://s3.eu-west-1.amazonaws.com"
  std::string region = "us-east-1";
  std::string bucket;
  std::string access_key, secret_key;
  std::size_t min_part_size = 16u << 20;  // multipart parts (S3: at least 5 MiB but the last)
  int max_attempts = 5;
  std::chrono::milliseconds backoff_base{100}, backoff_cap{5000};
  int breaker_threshold = 5;  // consecutive failed operations that open the circuit
  std::chrono::milliseconds breaker_open_for{10000};
  std::chrono::seconds connect_timeout{5}, low_speed_window{60};  // a stalled transfer is a failure
};

struct S3Object {
  std::string key;
  std::uint64_t size = 0;
};

class S3Client {
 public:
  using Query = std::vector<std::pair<std::string, std::string>>;
  struct Stats {
    std::uint64_t requests = 0, retries = 0, failures = 0, breaker_rejections = 0;
    bool breaker_open = false;
  };

  explicit S3Client(S3Config config);
  ~S3Client();

  Status put_object(std::string_view key, std::span<char const> body);
  // Errors: not_found.
  Result<std::uint64_t> head_object(std::string_view key);
  // Reads up to out.size() bytes at `offset`; 0 at or past the end. Errors: not_found.
  Result<std::size_t> get_range(std::string_view key, std::uint64_t offset, std::span<char> out);
  Status delete_object(std::string_view key);  // a missing key is not an error
  Result<std::vector<S3Object>> list(std::string_view prefix);

  Result<std::string> create_multipart(std::string_view key);
  Result<std::string> upload_part(std::string_view key, std::string const& upload_id, int part,
                                  std::span<char const> body);  // → ETag
  Status complete_multipart(std::string_view key, std::string const& upload_id,
                            std::vector<std::string> const& etags, std::uint64_t expected_size);
  Status abort_multipart(std::string_view key, std::string const& upload_id);

  Status ping();  // the bucket answers (HEAD bucket)
  Stats stats() const;

  // Canonical query string: sorted, RFC 3986-encoded, "key=" for empty values (exposed for tests).
  static std::string canonical_query(Query query);
  // Sets the SigV4 options every request carries on a libcurl easy handle (exposed so a test can
  // check the signatures against AWS's published examples).
  static void sign(void* curl_handle, S3Config const& config);

  struct Response {
    long status = 0;
    std::string body;
    std::string etag;
    std::uint64_t content_length = 0;
  };
  struct Request {
    char const* method = "GET";
    std::string key{};  // empty = the bucket itself
    Query query{};
    std::span<char const> body{};
    std::vector<std::string> headers{};  // "Name: value"
    std::span<char> sink{};              // GET into a caller's buffer (else into Response::body)
    bool no_body = false;                // HEAD
  };
  // One signed request with retries and the breaker (exposed for the signature test).
  Result<Response> send(Request const& request);

 private:
  Result<Response> attempt(Request const& request, bool& transient);
  std::string url_for(std::string_view key, Query const& query) const;

  S3Config config_;
  struct Handles;
  std::unique_ptr<Handles> handles_;
  CircuitBreaker breaker_;
  std::atomic<std::uint64_t> requests_{0}, retries_{0}, failures_{0};
};

}  // namespace astropixel::storage
