#include "upload/checksum.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <array>

#include "core/error_catalogue.hpp"

namespace astropixel::upload {

struct Checksum::State {
  EVP_MD_CTX* ctx = nullptr;
  ~State() { EVP_MD_CTX_free(ctx); }
};

Checksum::~Checksum() = default;

Result<std::unique_ptr<Checksum>> Checksum::parse(std::string_view header) {
  auto bad = [](std::string detail) {
    Error e = make_error(ErrorCode::bad_request, "Invalid Upload-Checksum header", std::move(detail));
    e.field = "Upload-Checksum";
    return e;
  };
  auto space = header.find(' ');
  if (space == std::string_view::npos) return bad("expected \"<algorithm> <base64 digest>\"");
  std::string algorithm(header.substr(0, space));
  auto digest64 = header.substr(space + 1);
  EVP_MD const* md = nullptr;
  for (auto name : {"md5", "sha1", "sha256", "sha512"}) {
    if (algorithm == name) md = EVP_get_digestbyname(name);
  }
  if (!md) {
    Error e = bad("supported algorithms: " + std::string(kChecksumAlgorithms));
    e.reason = errc::checksum_algorithm_unsupported.code;
    return e;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  std::size_t length = 0;
  if (digest64.size() > 4 * EVP_MAX_MD_SIZE ||
      sodium_base642bin(digest.data(), digest.size(), digest64.data(), digest64.size(), nullptr, &length,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      length != static_cast<std::size_t>(EVP_MD_get_size(md))) {
    return bad("the digest is not the base64 of a " + algorithm + " digest");
  }
  auto c = std::unique_ptr<Checksum>(new Checksum());
  c->algorithm_ = algorithm;
  c->expected_.assign(reinterpret_cast<char const*>(digest.data()), length);
  c->state_ = std::make_unique<State>();
  c->state_->ctx = EVP_MD_CTX_new();
  if (!c->state_->ctx || EVP_DigestInit_ex(c->state_->ctx, md, nullptr) != 1)
    return make_error(ErrorCode::internal, "Cannot start a checksum");
  return c;
}

void Checksum::update(std::span<char const> bytes) {
  EVP_DigestUpdate(state_->ctx, bytes.data(), bytes.size());
}

Status Checksum::verify() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned length = 0;
  if (EVP_DigestFinal_ex(state_->ctx, digest.data(), &length) != 1)
    return make_error(ErrorCode::internal, "Cannot finish a checksum");
  if (std::string_view(reinterpret_cast<char const*>(digest.data()), length) == expected_) return {};
  Error e = make_error(
      ErrorCode::checksum_mismatch, "Checksum mismatch",
      "the request body's " + algorithm_ + " differs from Upload-Checksum; its bytes were discarded");
  e.reason = errc::checksum_mismatch.code;
  return e;
}

}  // namespace astropixel::upload
