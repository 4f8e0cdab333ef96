// The S3 client against a scripted local HTTP server (fault injection: 503 SlowDown, 500s, a dead
// port) and its signatures against botocore's independent SigV4 implementation.
#include "storage/s3/s3_client.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "core/ids.hpp"
#include "storage/s3/s3_blob_store.hpp"

namespace astropixel::storage {
namespace {

// A one-connection-at-a-time HTTP/1.1 server answering from a script; it records every request.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::deque<std::pair<int, std::string>> script) : script_(std::move(script)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 16);
    thread_ = std::thread([this] { run(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void run() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string buf;
      char chunk[65536];
      for (;;) {
        auto end = buf.find("\r\n\r\n");
        if (end != std::string::npos) {
          std::size_t length = 0;
          auto cl = buf.find("Content-Length: ");
          if (cl != std::string::npos && cl < end) length = std::stoul(buf.substr(cl + 16));
          if (buf.size() >= end + 4 + length) {
            {
              std::lock_guard lock(mutex_);
              requests_.push_back(buf.substr(0, end + 4 + length));
            }
            buf.erase(0, end + 4 + length);
            std::pair<int, std::string> reply{200, ""};
            {
              std::lock_guard lock(mutex_);
              if (!script_.empty()) {
                reply = script_.front();
                if (script_.size() > 1) script_.pop_front();
              }
            }
            auto text = "HTTP/1.1 " + std::to_string(reply.first) +
                        " X\r\nETag: \"etag-1\"\r\nContent-Length: " + std::to_string(reply.second.size()) +
                        "\r\n\r\n" + reply.second;
            if (::send(c, text.data(), text.size(), MSG_NOSIGNAL) < 0) break;
            continue;
          }
        }
        auto n = ::recv(c, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        buf.append(chunk, static_cast<std::size_t>(n));
      }
      ::close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::deque<std::pair<int, std::string>> script_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

S3Config config_for(std::string endpoint) {
  S3Config c;
  c.endpoint = std::move(endpoint);
  c.bucket = "bucket";
  c.access_key = "AKIDEXAMPLE";
  c.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  c.backoff_base = std::chrono::milliseconds(1);
  c.backoff_cap = std::chrono::milliseconds(5);
  return c;
}

TEST(S3Client, CanonicalQuery) {
  EXPECT_EQ(S3Client::canonical_query({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(S3Client::canonical_query({{"uploadId", "a/b+c="}, {"partNumber", "2"}}),
            "partNumber=2&uploadId=a%2Fb%2Bc%3D");
  EXPECT_EQ(S3Client::canonical_query({{"prefix", "x y~"}, {"list-type", "2"}}), "list-type=2&prefix=x%20y~");
}

TEST(S3BlobStore, UrlsAndPartSizes) {
  EXPECT_EQ(parse_s3_url("s3://my-bucket/a/b/").value(),
            std::pair(std::string("my-bucket"), std::string("a/b/")));
  EXPECT_EQ(parse_s3_url("s3://my-bucket").value().second, "");
  for (auto bad : {"http://b/x", "s3://", "s3://B_ucket", "s3://ok-bucket/../x", "s3://ab"})
    EXPECT_TRUE(parse_s3_url(bad).has_error()) << bad;
  std::uint64_t forty_gb = 40ull << 30;
  auto part = S3BlobStore::part_size(forty_gb);
  EXPECT_EQ(part, S3BlobStore::kMinPartSize);
  EXPECT_LE((forty_gb + part - 1) / part, S3BlobStore::kMaxParts);
  std::uint64_t five_tb = 5ull << 40;
  EXPECT_LE((five_tb + S3BlobStore::part_size(five_tb) - 1) / S3BlobStore::part_size(five_tb),
            S3BlobStore::kMaxParts);
}

TEST(S3Client, RetriesSlowDownThenSucceeds) {
  ScriptedServer server({{503, "<Error><Code>SlowDown</Code></Error>"},
                         {503, "<Error><Code>SlowDown</Code></Error>"},
                         {200, ""}});
  S3Client client(config_for(server.endpoint()));
  ASSERT_TRUE(client.put_object("k", std::string_view("payload")));
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(client.stats().retries, 2u);
  EXPECT_EQ(client.stats().failures, 0u);
}

TEST(S3Client, ClientErrorsAreNotRetried) {
  ScriptedServer server({{403, "<Error><Code>AccessDenied</Code><Message>no</Message></Error>"}});
  S3Client client(config_for(server.endpoint()));
  auto s = client.put_object("k", std::string_view("x"));
  ASSERT_TRUE(s.has_error());
  EXPECT_NE(s.error().detail.find("AccessDenied"), std::string::npos) << s.error().detail;
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(S3Client, BreakerOpensAfterRepeatedFailuresAndAnswersAtOnce) {
  ScriptedServer server({{500, "<Error><Code>InternalError</Code></Error>"}});
  auto c = config_for(server.endpoint());
  c.max_attempts = 3;
  c.breaker_threshold = 2;
  S3Client client(c);
  EXPECT_TRUE(client.put_object("k", std::string_view("x")).has_error());
  EXPECT_TRUE(client.put_object("k", std::string_view("x")).has_error());
  EXPECT_EQ(server.requests().size(), 6u) << "bounded: three attempts per operation";
  EXPECT_TRUE(client.stats().breaker_open);
  auto rejected = client.put_object("k", std::string_view("x"));
  ASSERT_TRUE(rejected.has_error());
  EXPECT_EQ(rejected.error().code, ErrorCode::unavailable);
  EXPECT_EQ(server.requests().size(), 6u) << "an open breaker sends nothing";
  EXPECT_EQ(client.stats().breaker_rejections, 1u);
}

TEST(S3Client, AfterItsWindowTheBreakerSendsOneTrialOnceThenClosesOrReopens) {
  std::deque<std::pair<int, std::string>> script(7, {500, "<Error><Code>InternalError</Code></Error>"});
  script.push_back({200, ""});
  ScriptedServer server(script);
  auto c = config_for(server.endpoint());
  c.max_attempts = 3;
  c.breaker_threshold = 2;
  c.breaker_open_for = std::chrono::milliseconds(50);
  S3Client client(c);
  EXPECT_TRUE(client.put_object("k", std::string_view("x")).has_error());
  EXPECT_TRUE(client.put_object("k", std::string_view("x")).has_error());
  EXPECT_EQ(server.requests().size(), 6u);
  EXPECT_TRUE(client.stats().breaker_open);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  // The trial gets the seventh 500 and is not retried: the breaker opens again for another window.
  EXPECT_TRUE(client.put_object("k", std::string_view("x")).has_error());
  EXPECT_EQ(server.requests().size(), 7u) << "a trial is one attempt";
  EXPECT_TRUE(client.stats().breaker_open);
  EXPECT_TRUE(client.put_object("k", std::string_view("x")).has_error());
  EXPECT_EQ(server.requests().size(), 7u) << "refused without a request inside the new window";
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_TRUE(client.put_object("k", std::string_view("x")).has_value());  // the trial succeeds
  EXPECT_FALSE(client.stats().breaker_open);
  EXPECT_EQ(server.requests().size(), 8u);
}

TEST(S3Client, DeadEndpointIsRetriedThenUnavailable) {
  int port;
  {
    ScriptedServer gone({});
    port = std::stoi(gone.endpoint().substr(gone.endpoint().rfind(':') + 1));
  }
  auto c = config_for("http://127.0.0.1:" + std::to_string(port));
  c.max_attempts = 2;
  S3Client client(c);
  auto r = client.head_object("k");
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code, ErrorCode::unavailable);
  EXPECT_EQ(client.stats().retries, 1u);
}

// A completion whose answer was lost: the retry finds NoSuchUpload, and only an object of the
// expected size counts as done.
TEST(S3Client, CompletionIsCheckedNotAssumed) {
  ScriptedServer server({{404, "<Error><Code>NoSuchUpload</Code></Error>"}, {404, ""}});
  S3Client client(config_for(server.endpoint()));
  EXPECT_TRUE(client.complete_multipart("k", "id", {"\"e1\""}, 10).has_error()) << "no object: not done";
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_TRUE(reqs[1].starts_with("HEAD /bucket/k ")) << reqs[1];
}

// libcurl signs; botocore (an independent implementation) must compute the same signature for the
// request as it arrived.
TEST(S3Client, SignaturesMatchBotocore) {
  ScriptedServer server({{200, ""}});
  S3Client client(config_for(server.endpoint()));
  std::string body = "part bytes \x01\x02\xff";
  ASSERT_TRUE(client.upload_part("datasets/abc/source.bin", "up/load+id=", 3, body));
  auto raw = server.requests().at(0);
  auto head_end = raw.find("\r\n\r\n");
  std::string head = raw.substr(0, head_end);
  auto line_end = head.find("\r\n");
  std::string request_line = head.substr(0, line_end);
  auto sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
  std::string method = request_line.substr(0, sp1), target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::map<std::string, std::string> headers;
  for (std::size_t pos = line_end + 2; pos < head.size();) {
    auto end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    auto line = head.substr(pos, end - pos);
    auto colon = line.find(':');
    std::string name = line.substr(0, colon);
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    headers[name] = line.substr(colon + 2);
    pos = end + 2;
  }
  auto auth = headers.at("authorization");
  auto signed_at = auth.find("SignedHeaders=") + 14;
  std::string signed_headers = auth.substr(signed_at, auth.find(',', signed_at) - signed_at);
  std::string signature = auth.substr(auth.find("Signature=") + 10);
  EXPECT_NE(signed_headers.find("x-amz-content-sha256"), std::string::npos);

  // Hand botocore exactly the headers curl signed.
  std::string json =
      "{\"method\":\"" + method + "\",\"url\":\"" + server.endpoint() + target + "\",\"headers\":{";
  std::size_t start = 0;
  bool first_header = true;
  while (start <= signed_headers.size()) {
    auto end = signed_headers.find(';', start);
    if (end == std::string::npos) end = signed_headers.size();
    auto name = signed_headers.substr(start, end - start);
    json += (first_header ? "" : ",") + ("\"" + name + "\":\"" + headers.at(name) + "\"");
    first_header = false;
    start = end + 1;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string body_hex;
  for (unsigned char ch : body) {
    body_hex += kHex[ch >> 4];
    body_hex += kHex[ch & 15];
  }
  json += "},\"body_hex\":\"" + body_hex + "\",\"amz_date\":\"" + headers.at("x-amz-date") +
          "\",\"region\":\"us-east-1\",\"access_key\":\"AKIDEXAMPLE\",\"secret_key\":\"" +
          "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\"}";
  auto input = std::filesystem::temp_directory_path() / ("sigv4-" + random_hex(6) + ".json");
  std::ofstream(input) << json;
  std::string script = std::string(ASTROPIXEL_SOURCE_DIR) + "/tests/support/sigv4_expected.py";
  std::string cmd = "/usr/bin/python3 " + script + " < " + input.string() + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char out[512] = {};
  std::string expected;
  while (std::fgets(out, sizeof out, p)) expected += out;
  ASSERT_EQ(::pclose(p), 0) << "botocore failed (is python3-botocore installed?): " << expected;
  std::filesystem::remove(input);
  EXPECT_EQ(expected, signature + "\n" + signed_headers + "\n") << json;
}

// AWS's published example of a signed request ("Signature Calculations for the Authorization
// Header", GET Object with a Range): libcurl, set up exactly as every S3Client request is, must
// produce the documented Authorization header. The request goes to a local server under the
// example's host name (CURLOPT_CONNECT_TO), with the example's date.
TEST(S3Client, SignatureMatchesAwsPublishedExample) {
  ScriptedServer server({{200, ""}});
  S3Config config;
  config.region = "us-east-1";
  config.access_key = "AKIAIOSFODNN7EXAMPLE";
  config.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  CURL* h = curl_easy_init();
  ASSERT_NE(h, nullptr);
  S3Client::sign(h, config);
  auto port = server.endpoint().substr(server.endpoint().rfind(':') + 1);
  curl_slist* connect_to =
      curl_slist_append(nullptr, ("examplebucket.s3.amazonaws.com:80:127.0.0.1:" + port).c_str());
  curl_slist* headers = nullptr;
  for (auto const* hdr :
       {"Range: bytes=0-9", "x-amz-date: 20130524T000000Z",
        "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}) {
    headers = curl_slist_append(headers, hdr);
  }
  curl_easy_setopt(h, CURLOPT_URL, "http://examplebucket.s3.amazonaws.com/test.txt");
  curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_to);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  auto rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  curl_slist_free_all(connect_to);
  curl_easy_cleanup(h);
  ASSERT_EQ(rc, CURLE_OK);
  auto raw = server.requests().at(0);
  EXPECT_NE(raw.find("\r\nAuthorization: AWS4-HMAC-SHA256 "
                     "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                     "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                     "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41\r\n"),
            std::string::npos)
      << raw;
}

}  // namespace
}  // namespace astropixel::storage
