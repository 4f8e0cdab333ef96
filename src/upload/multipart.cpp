#include "upload/multipart.hpp"

#include <algorithm>
#include <cctype>

#include "core/error_catalogue.hpp"

namespace astropixel::upload {
namespace {

constexpr std::size_t kMaxHeaderBytes = 8 * 1024;
constexpr int kMaxParts = 64;

Error malformed(std::string detail) {
  Error e = make_error(ErrorCode::bad_request, "Malformed multipart body", std::move(detail));
  e.reason = errc::invalid_multipart.code;
  return e;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parameters of a header value like `form-data; name="file"; filename="m31.fits"`.
std::string param(std::string_view value, std::string_view key) {
  std::size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;
    auto eq = value.find('=', i);
    if (eq == std::string_view::npos) break;
    auto name = lower(trim(value.substr(i, eq - i)));
    std::size_t j = eq + 1;
    std::string v;
    if (j < value.size() && value[j] == '"') {
      ++j;
      while (j < value.size() && value[j] != '"') {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        v += value[j++];
      }
      i = value.find(';', j);
    } else {
      auto end = value.find(';', j);
      v = std::string(
          trim(value.substr(j, end == std::string_view::npos ? std::string_view::npos : end - j)));
      i = end;
    }
    if (name == key) return v;
  }
  return {};
}

}  // namespace

Result<std::string> MultipartParser::boundary_of(std::string_view content_type) {
  auto semi = content_type.find(';');
  if (lower(trim(content_type.substr(0, semi))) != "multipart/form-data") {
    return make_error(ErrorCode::unsupported_media_type, "Expected multipart/form-data");
  }
  auto b = param(content_type, "boundary");
  // RFC 2046: 1-70 characters from a restricted set.
  if (b.empty() || b.size() > 70) return malformed("missing or over-long boundary");
  for (char c : b) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) ||
          std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos))
      return malformed("boundary holds a character RFC 2046 does not allow");
  }
  return b;
}

MultipartParser::MultipartParser(std::string boundary, Handlers handlers)
    : delimiter_("\r\n--" + boundary), handlers_(std::move(handlers)) {
  // The body starts right after a virtual line break, so the first boundary looks like every other.
  pending_ = "\r\n";
}

Status MultipartParser::emit(std::span<char const> bytes) {
  if (bytes.empty()) return {};
  return handlers_.data(bytes);
}

Status MultipartParser::parse_headers(std::string_view block) {
  if (++parts_ > kMaxParts) return malformed("too many parts");
  PartInfo info;
  bool form_data = false;
  std::size_t start = 0;
  while (start < block.size()) {
    auto eol = block.find("\r\n", start);
    if (eol == std::string_view::npos) eol = block.size();
    auto line = block.substr(start, eol - start);
    start = eol + 2;
    if (line.empty()) continue;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return malformed("a part header has no ':'");
    auto name = lower(trim(line.substr(0, colon)));
    auto value = trim(line.substr(colon + 1));
    if (name == "content-disposition") {
      form_data = lower(trim(value.substr(0, value.find(';')))) == "form-data";
      info.name = param(value, "name");
      info.filename = param(value, "filename");
    } else if (name == "content-type") {
      info.content_type = std::string(value);
    }
  }
  if (!form_data || info.name.empty())
    return malformed("a part lacks Content-Disposition: form-data; name=...");
  return handlers_.begin(info);
}

Status MultipartParser::feed(std::span<char const> bytes) {
  pending_.append(bytes.data(), bytes.size());
  while (true) {
    switch (state_) {
      case State::preamble: {
        auto at = pending_.find(delimiter_);
        if (at == std::string::npos) {
          // Keep only what could still start a delimiter.
          if (pending_.size() > delimiter_.size()) pending_.erase(0, pending_.size() - delimiter_.size());
          return {};
        }
        pending_.erase(0, at + delimiter_.size());
        state_ = State::after_delimiter;
        break;
      }
      case State::after_delimiter: {
        if (pending_.size() < 2) return {};
        if (pending_.compare(0, 2, "--") == 0) {
          state_ = State::done;
          pending_.clear();
          return {};
        }
        // Transport padding (spaces/tabs) may follow a boundary before its CRLF.
        auto eol = pending_.find("\r\n");
        if (eol == std::string::npos) {
          if (pending_.size() > 256) return malformed("garbage after a boundary");
          return {};
        }
        if (!trim(std::string_view(pending_).substr(0, eol)).empty())
          return malformed("garbage after a boundary");
        pending_.erase(0, eol + 2);
        state_ = State::headers;
        break;
      }
      case State::headers: {
        auto end = pending_.find("\r\n\r\n");
        if (end == std::string::npos) {
          if (pending_.size() > kMaxHeaderBytes) return malformed("part headers too large");
          return {};
        }
        if (end > kMaxHeaderBytes) return malformed("part headers too large");
        if (auto s = parse_headers(std::string_view(pending_).substr(0, end)); !s) return s;
        pending_.erase(0, end + 4);
        state_ = State::body;
        break;
      }
      case State::body: {
        auto at = pending_.find(delimiter_);
        if (at == std::string::npos) {
          // Everything except a tail that might be the start of the delimiter is part data.
          std::size_t keep = std::min(pending_.size(), delimiter_.size() - 1);
          if (auto s = emit({pending_.data(), pending_.size() - keep}); !s) return s;
          pending_.erase(0, pending_.size() - keep);
          return {};
        }
        if (auto s = emit({pending_.data(), at}); !s) return s;
        if (auto s = handlers_.end(); !s) return s;
        pending_.erase(0, at + delimiter_.size());
        state_ = State::after_delimiter;
        break;
      }
      case State::done:
        pending_.clear();  // the epilogue is ignored
        return {};
    }
  }
}

Status MultipartParser::finish() {
  if (state_ != State::done) return malformed("the body ended before the closing boundary");
  return {};
}

}  // namespace astropixel::upload
