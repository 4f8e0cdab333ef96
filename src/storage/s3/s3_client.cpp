#include "storage/s3/s3_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <random>
#include <thread>

namespace astropixel::storage {

namespace {

constexpr std::size_t kMaxResponseBody = 16 << 20;  // XML answers are small; never buffer more

std::string hex_sha256(std::span<char const> data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<unsigned char const*>(data.data()), data.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * sizeof digest);
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// RFC 3986: unreserved characters stay, everything else is %XX (and '/' too unless a path).
std::string encode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string xml_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    auto semi = s.find(';', i);
    auto entity = semi == std::string_view::npos ? std::string_view{} : s.substr(i + 1, semi - i - 1);
    char c = entity == "amp"    ? '&'
             : entity == "lt"   ? '<'
             : entity == "gt"   ? '>'
             : entity == "quot" ? '"'
             : entity == "apos" ? '\''
                                : '\0';
    if (c == '\0') {
      out += s[i];
      continue;
    }
    out += c;
    i = semi;
  }
  return out;
}

// Every <tag>text</tag> in `xml`, in order (enough for S3's flat answers; no attributes there).
std::vector<std::string_view> elements(std::string_view xml, std::string_view tag) {
  std::vector<std::string_view> out;
  std::string open = fmt::format("<{}>", tag), close = fmt::format("</{}>", tag);
  for (std::size_t pos = 0;;) {
    auto a = xml.find(open, pos);
    if (a == std::string_view::npos) break;
    a += open.size();
    auto b = xml.find(close, a);
    if (b == std::string_view::npos) break;
    out.push_back(xml.substr(a, b - a));
    pos = b + close.size();
  }
  return out;
}

std::string first(std::string_view xml, std::string_view tag) {
  auto e = elements(xml, tag);
  return e.empty() ? std::string() : xml_decode(e.front());
}

bool transient_curl(CURLcode c) {
  switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

bool transient_status(long s) {
  return s == 500 || s == 502 || s == 503 || s == 504;
}

Error store_error(S3Client::Response const& r, std::string_view what) {
  auto code = first(r.body, "Code");
  auto message = first(r.body, "Message");
  return make_error(ErrorCode::unavailable, "Object storage refused the request",
                    fmt::format("{}: HTTP {} {} {}", what, r.status, code, message));
}

struct Sink {
  std::span<char> into;
  std::size_t used = 0;
  std::string* text = nullptr;
  bool overflow = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto& s = *static_cast<Sink*>(user);
  std::size_t len = size * n;
  if (s.text) {
    if (s.text->size() + len > kMaxResponseBody) {
      s.overflow = true;
      return 0;
    }
    s.text->append(data, len);
    return len;
  }
  std::size_t room = s.into.size() - s.used;
  std::size_t take = std::min(room, len);
  std::copy_n(data, take, s.into.data() + s.used);
  s.used += take;
  return len;  // bytes past the asked range (a server ignoring Range) are dropped, not an error
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  std::string_view line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    auto name = line.substr(0, colon);
    if (name.size() == 4 && strncasecmp(name.data(), "etag", 4) == 0) {
      auto value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
        value.remove_suffix(1);
      static_cast<std::string*>(user)->assign(value);
    }
  }
  return size * n;
}

}  // namespace

// libcurl handles keep their connections open between requests: a small pool, one per caller.
struct S3Client::Handles {
  std::mutex mutex;
  std::vector<CURL*> idle;
  ~Handles() {
    for (auto* h : idle) curl_easy_cleanup(h);
  }
  CURL* acquire() {
    {
      std::lock_guard lock(mutex);
      if (!idle.empty()) {
        auto* h = idle.back();
        idle.pop_back();
        curl_easy_reset(h);  // options cleared, connections kept
        return h;
      }
    }
    return curl_easy_init();
  }
  void release(CURL* h) {
    std::lock_guard lock(mutex);
    if (idle.size() < 32)
      idle.push_back(h);
    else
      curl_easy_cleanup(h);
  }
};

S3Client::S3Client(S3Config config)
    : config_(std::move(config)),
      handles_(std::make_unique<Handles>()),
      breaker_(config_.breaker_threshold, config_.breaker_open_for) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  while (!config_.endpoint.empty() && config_.endpoint.back() == '/') config_.endpoint.pop_back();
}

S3Client::~S3Client() = default;

std::string S3Client::canonical_query(Query query) {
  for (auto& [k, v] : query) {
    k = encode(k, false);
    v = encode(v, false);
  }
  std::sort(query.begin(), query.end());
  std::string out;
  for (auto const& [k, v] : query) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

void S3Client::sign(void* handle, S3Config const& config) {
  auto* h = static_cast<CURL*>(handle);
  auto sigv4 = fmt::format("aws:amz:{}:s3", config.region);  // libcurl copies string options
  curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(h, CURLOPT_USERNAME, config.access_key.c_str());
  curl_easy_setopt(h, CURLOPT_PASSWORD, config.secret_key.c_str());
}

std::string S3Client::url_for(std::string_view key, Query const& query) const {
  std::string url = config_.endpoint + "/" + encode(config_.bucket, false);
  if (!key.empty()) url += "/" + encode(key, true);
  if (!query.empty()) url += "?" + canonical_query(query);
  return url;
}

Result<S3Client::Response> S3Client::attempt(Request const& req, bool& transient) {
  transient = false;
  CURL* h = handles_->acquire();
  if (!h) return make_error(ErrorCode::internal, "libcurl is unavailable");
  struct Release {
    Handles& pool;
    CURL* h;
    curl_slist* headers = nullptr;
    ~Release() {
      curl_slist_free_all(headers);
      pool.release(h);
    }
  } release{*handles_, h};

  Response res;
  auto url = url_for(req.key, req.query);
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  sign(h, config_);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, static_cast<long>(config_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(config_.low_speed_window.count()));
  std::string method = req.method;
  bool has_body = method == "PUT" || method == "POST";
  auto content_sha = hex_sha256(req.body);
  release.headers = curl_slist_append(release.headers, ("x-amz-content-sha256: " + content_sha).c_str());
  for (auto const& hdr : req.headers) release.headers = curl_slist_append(release.headers, hdr.c_str());
  if (has_body) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.empty() ? "" : req.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }
  if (method != "GET" && method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (req.no_body) curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, release.headers);
  Sink sink;
  if (req.sink.empty())
    sink.text = &res.body;
  else
    sink.into = req.sink;
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &res.etag);

  ++requests_;
  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    transient = transient_curl(rc);
    return make_error(ErrorCode::unavailable, "Object storage unreachable",
                      fmt::format("{} {}: {}", method, url, curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res.status);
  curl_off_t length = 0;
  curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  res.content_length = length > 0 ? static_cast<std::uint64_t>(length) : 0;
  if (!req.sink.empty()) res.content_length = sink.used;
  if (sink.overflow) return make_error(ErrorCode::unavailable, "Object storage answer too large", url);
  transient = transient_status(res.status);
  if (transient) return store_error(res, fmt::format("{} {}", method, req.key));
  return res;
}

Result<S3Client::Response> S3Client::send(Request const& req) {
  auto admission = breaker_.admit();
  auto breaker_open = [] {
    Error e = make_error(ErrorCode::unavailable, "Object storage is unavailable",
                         "the circuit breaker is open after repeated failures");
    e.retry_after_s = 5;
    return e;
  };
  if (admission == CircuitBreaker::Admission::refused) return breaker_open();
  thread_local std::mt19937_64 rng{std::random_device{}()};
  Result<Response> last = make_error(ErrorCode::unavailable, "Object storage unreachable");
  // A trial (half-open) is one attempt: the store's state is what it tests, not its patience.
  int attempts = admission == CircuitBreaker::Admission::trial ? 1 : std::max(1, config_.max_attempts);
  for (int attempt_no = 0; attempt_no < attempts; ++attempt_no) {
    if (attempt_no > 0) {
      // Full jitter: a random pause up to the exponential bound, so instances do not retry in step.
      ++retries_;
      auto bound =
          std::min(config_.backoff_cap.count(), config_.backoff_base.count() << std::min(attempt_no, 20));
      std::uniform_int_distribution<long long> pause(0, bound);
      if (!breaker_.pause_before_retry(std::chrono::milliseconds(pause(rng)))) {
        last = breaker_open();
        break;
      }
    }
    bool transient = false;
    last = attempt(req, transient);
    if (!transient) break;
  }
  if (!last) ++failures_;
  breaker_.record(admission, last.has_value());
  return last;
}

S3Client::Stats S3Client::stats() const {
  return {requests_.load(), retries_.load(), failures_.load(), breaker_.rejections(), breaker_.is_open()};
}

Status S3Client::ping() {
  auto r = send({.method = "HEAD", .no_body = true});
  if (!r) return r.error();
  if (r->status != 200) return store_error(*r, "HEAD bucket " + config_.bucket);
  return {};
}

Status S3Client::put_object(std::string_view key, std::span<char const> body) {
  auto r = send({.method = "PUT",
                 .key = std::string(key),
                 .body = body,
                 .headers = {"Content-Type: application/octet-stream"}});
  if (!r) return r.error();
  if (r->status != 200) return store_error(*r, "PUT " + std::string(key));
  return {};
}

Result<std::uint64_t> S3Client::head_object(std::string_view key) {
  auto r = send({.method = "HEAD", .key = std::string(key), .no_body = true});
  if (!r) return r.error();
  if (r->status == 404) return make_error(ErrorCode::not_found, "Blob not found", std::string(key));
  if (r->status != 200) return store_error(*r, "HEAD " + std::string(key));
  return r->content_length;
}

Result<std::size_t> S3Client::get_range(std::string_view key, std::uint64_t offset, std::span<char> out) {
  if (out.empty()) return std::size_t{0};
  auto range = fmt::format("Range: bytes={}-{}", offset, offset + out.size() - 1);
  auto r = send({.method = "GET", .key = std::string(key), .headers = {range}, .sink = out});
  if (!r) return r.error();
  if (r->status == 404) return make_error(ErrorCode::not_found, "Blob not found", std::string(key));
  if (r->status == 416) return std::size_t{0};
  if (r->status != 206 && r->status != 200) return store_error(*r, "GET " + std::string(key));
  if (r->status == 200 && offset != 0)  // a server that ignored Range: nothing usable was kept
    return make_error(ErrorCode::unavailable, "Object storage ignored a Range request", std::string(key));
  return static_cast<std::size_t>(r->content_length);
}

Status S3Client::delete_object(std::string_view key) {
  auto r = send({.method = "DELETE", .key = std::string(key)});
  if (!r) return r.error();
  if (r->status != 204 && r->status != 200 && r->status != 404)
    return store_error(*r, "DELETE " + std::string(key));
  return {};
}

Result<std::vector<S3Object>> S3Client::list(std::string_view prefix) {
  std::vector<S3Object> out;
  std::string token;
  for (;;) {
    Query q{{"list-type", "2"}, {"prefix", std::string(prefix)}};
    if (!token.empty()) q.emplace_back("continuation-token", token);
    auto r = send({.method = "GET", .query = q});
    if (!r) return r.error();
    if (r->status != 200) return store_error(*r, "LIST " + std::string(prefix));
    for (auto contents : elements(r->body, "Contents")) {
      S3Object o{xml_decode(first(contents, "Key")), 0};
      auto size = first(contents, "Size");
      o.size = size.empty() ? 0 : std::stoull(size);
      out.push_back(std::move(o));
    }
    if (first(r->body, "IsTruncated") != "true") break;
    token = first(r->body, "NextContinuationToken");
    if (token.empty()) break;
  }
  std::sort(out.begin(), out.end(), [](auto const& a, auto const& b) { return a.key < b.key; });
  return out;
}

Result<std::string> S3Client::create_multipart(std::string_view key) {
  auto r = send({.method = "POST",
                 .key = std::string(key),
                 .query = {{"uploads", ""}},
                 .headers = {"Content-Type: application/octet-stream"}});
  if (!r) return r.error();
  auto id = first(r->body, "UploadId");
  if (r->status != 200 || id.empty()) return store_error(*r, "CreateMultipartUpload " + std::string(key));
  return id;
}

Result<std::string> S3Client::upload_part(std::string_view key, std::string const& upload_id, int part,
                                          std::span<char const> body) {
  auto r = send({.method = "PUT",
                 .key = std::string(key),
                 .query = {{"partNumber", std::to_string(part)}, {"uploadId", upload_id}},
                 .body = body});
  if (!r) return r.error();
  if (r->status != 200 || r->etag.empty())
    return store_error(*r, fmt::format("UploadPart {} of {}", part, key));
  return r->etag;
}

Status S3Client::complete_multipart(std::string_view key, std::string const& upload_id,
                                    std::vector<std::string> const& etags, std::uint64_t expected_size) {
  std::string xml = "<CompleteMultipartUpload>";
  for (std::size_t i = 0; i < etags.size(); ++i)
    xml += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", i + 1, etags[i]);
  xml += "</CompleteMultipartUpload>";
  auto r = send({.method = "POST",
                 .key = std::string(key),
                 .query = {{"uploadId", upload_id}},
                 .body = std::span<char const>(xml.data(), xml.size()),
                 .headers = {"Content-Type: application/xml"}});
  if (!r) return r.error();
  // S3 may answer 200 and put an error in the body.
  bool failed = r->status != 200 || r->body.find("<Error>") != std::string::npos;
  if (!failed) return {};
  // A completion re-sent after a lost answer finds the upload gone: the object tells whether the
  // first one worked. Never assume it did.
  if (first(r->body, "Code") == "NoSuchUpload") {
    auto size = head_object(key);
    if (size && *size == expected_size) return {};
  }
  return store_error(*r, "CompleteMultipartUpload " + std::string(key));
}

Status S3Client::abort_multipart(std::string_view key, std::string const& upload_id) {
  auto r = send({.method = "DELETE", .key = std::string(key), .query = {{"uploadId", upload_id}}});
  if (!r) return r.error();
  if (r->status != 204 && r->status != 200 && r->status != 404)
    return store_error(*r, "AbortMultipartUpload");
  return {};
}

}  // namespace astropixel::storage
