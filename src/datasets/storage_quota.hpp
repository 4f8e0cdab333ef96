#pragma once
// Per-user storage quota (ADR 0019): what a user stores is the bytes of their datasets' sources
// plus the declared lengths of their open uploads; a new upload that would take them past their
// quota is refused before a byte of it is stored. The quota is the configured default
// (USER_STORAGE_QUOTA_BYTES) unless an administrator set one for the user.
#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "db/pool.hpp"

namespace astropixel::datasets {

struct StorageUsage {
  std::uint64_t used = 0;
  std::uint64_t quota = 0;  // 0 = unlimited
  bool custom = false;      // set by an administrator (otherwise the default)
};

class StorageQuota {
 public:
  StorageQuota(db::Pool& pool, std::uint64_t default_bytes) : pool_(pool), default_bytes_(default_bytes) {}

  // Errors: not_found (no such user).
  Result<StorageUsage> usage(std::string const& user_id);
  // Whether `user_id` may start storing `bytes` more. Errors: forbidden with reason quota_exceeded
  // (403) naming the figures; not_found (no such user); database errors.
  Status admit(std::string const& user_id, std::uint64_t bytes);
  // An administrator's quota for one user; nullopt = back to the default, 0 = unlimited.
  // Errors: not_found (no such user).
  Status set(std::string const& user_id, std::optional<std::uint64_t> bytes);

 private:
  db::Pool& pool_;
  std::uint64_t default_bytes_;
};

}  // namespace astropixel::datasets
