#include "upload/disk_budget.hpp"

#include "core/error_catalogue.hpp"

namespace astropixel::upload {

namespace {

Error no_room(std::string message, std::uint64_t needed, std::uint64_t usable) {
  Error e = make_error(ErrorCode::insufficient_storage, std::move(message),
                       std::to_string(needed) + " bytes needed, " + std::to_string(usable) +
                           " usable (free space less the disk reserve and other open uploads)");
  e.reason = errc::insufficient_disk_space.code;
  return e;
}

// free − reserve − others, not below zero.
std::uint64_t usable(std::uint64_t free, std::uint64_t reserve, std::uint64_t others) {
  auto held = reserve + others;
  return free > held ? free - held : 0;
}

}  // namespace

DiskBudget::DiskBudget(std::function<Result<std::uint64_t>()> free_bytes, std::uint64_t reserve,
                       std::uint64_t slack)
    : free_bytes_(std::move(free_bytes)), reserve_(reserve), slack_(slack) {}

Status DiskBudget::claim(std::string const& key, std::uint64_t bytes) {
  auto free = free_bytes_();
  if (!free) return free.error();
  std::lock_guard lock(mutex_);
  auto it = reservations_.find(key);
  auto others = total_ - (it == reservations_.end() ? 0 : it->second);
  if (auto room = usable(*free, reserve_, others); room < bytes)
    return no_room("Not enough disk space for this upload", bytes, room);
  total_ = others + bytes;
  reservations_[key] = bytes;
  return {};
}

Status DiskBudget::draw(std::string const& key, std::uint64_t n) {
  auto free = free_bytes_();
  if (!free) return free.error();
  std::lock_guard lock(mutex_);
  auto it = reservations_.find(key);
  auto own = it == reservations_.end() ? 0 : it->second;
  if (auto room = usable(*free, reserve_ + slack_, total_ - own); room < n)
    return no_room("The disk is nearly full: the upload stopped here, its bytes so far are kept", n, room);
  if (it != reservations_.end()) {
    auto used = std::min(own, n);
    it->second -= used;
    total_ -= used;
  }
  return {};
}

void DiskBudget::release(std::string const& key) {
  std::lock_guard lock(mutex_);
  if (auto it = reservations_.find(key); it != reservations_.end()) {
    total_ -= it->second;
    reservations_.erase(it);
  }
}

std::uint64_t DiskBudget::reserved() const {
  std::lock_guard lock(mutex_);
  return total_;
}

}  // namespace astropixel::upload
