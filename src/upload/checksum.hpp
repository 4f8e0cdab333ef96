#pragma once
// The tus checksum extension: `Upload-Checksum: <algorithm> <base64 digest>` on a PATCH. The body
// is hashed as it streams; a mismatch discards the request's bytes (460). Algorithms: md5, sha1
// (which tus requires), sha256, sha512, through OpenSSL.
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace astropixel::upload {

inline constexpr std::string_view kChecksumAlgorithms = "md5,sha1,sha256,sha512";

class Checksum {
 public:
  // Errors: bad_request (checksum_algorithm_unsupported, or a malformed header).
  static Result<std::unique_ptr<Checksum>> parse(std::string_view header);
  ~Checksum();
  void update(std::span<char const> bytes);
  // Errors: checksum_mismatch.
  Status verify();

 private:
  Checksum() = default;
  struct State;
  std::unique_ptr<State> state_;
  std::string algorithm_, expected_;
};

}  // namespace astropixel::upload
