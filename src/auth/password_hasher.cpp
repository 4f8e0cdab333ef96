#include "auth/password_hasher.hpp"

#include <sodium.h>

#include <optional>
#include <semaphore>
#include <stdexcept>

#include "core/error_catalogue.hpp"

namespace astropixel::auth {

struct PasswordHasher::Impl {
  HashParams params;
  std::counting_semaphore<1024> slots;
  std::string dummy_hash;

  explicit Impl(HashParams p)
      : params(p), slots(static_cast<std::ptrdiff_t>(std::max<std::size_t>(1, p.max_concurrent))) {}

  // Holds one hashing slot for the lifetime of the guard.
  struct Slot {
    std::counting_semaphore<1024>& s;
    explicit Slot(std::counting_semaphore<1024>& sem) : s(sem) { s.acquire(); }
    ~Slot() { s.release(); }
  };

  std::optional<std::string> compute(std::string_view password) {
    char out[crypto_pwhash_STRBYTES];
    Slot slot(slots);
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), params.opslimit, params.memlimit,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
      return std::nullopt;
    }
    return std::string(out);
  }
};

PasswordHasher::PasswordHasher(HashParams params) : impl_(std::make_unique<Impl>(params)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  auto dummy = impl_->compute("dummy password for unknown accounts");
  if (!dummy) throw std::runtime_error("argon2id parameters are not usable (out of memory?)");
  impl_->dummy_hash = *dummy;
}

PasswordHasher::~PasswordHasher() = default;

Result<std::string> PasswordHasher::hash(std::string_view password) const {
  if (password.size() > kMaxPasswordBytes) {
    Error e = make_error(ErrorCode::validation, "Password too long",
                         "Passwords may be at most " + std::to_string(kMaxPasswordBytes) + " bytes");
    e.reason = errc::password_too_long.code;
    return e;
  }
  auto h = impl_->compute(password);
  if (!h) return make_error(ErrorCode::internal, "Password hashing failed", "argon2id ran out of memory");
  return *h;
}

bool PasswordHasher::verify(std::string_view stored_hash, std::string_view password) const {
  if (password.size() > kMaxPasswordBytes) return false;
  std::string h(stored_hash);
  Impl::Slot slot(impl_->slots);
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::verify_dummy(std::string_view password) const {
  (void)verify(impl_->dummy_hash, password);
  return false;
}

bool PasswordHasher::needs_rehash(std::string_view stored_hash) const {
  std::string h(stored_hash);
  return crypto_pwhash_str_needs_rehash(h.c_str(), impl_->params.opslimit, impl_->params.memlimit) != 0;
}

}  // namespace astropixel::auth
