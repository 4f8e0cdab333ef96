#include "auth/session_cache.hpp"

#include <iterator>

namespace astropixel::auth {

std::optional<Authenticated> SessionCache::find(std::string_view token, std::int64_t now_s) const {
  if (ttl_.count() <= 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(token);
  if (it == entries_.end() || now_s >= it->second.expires_at_s) return std::nullopt;
  if (std::chrono::steady_clock::now() - it->second.at > ttl_) return std::nullopt;
  return it->second.who;
}

void SessionCache::remember(std::string_view token, std::int64_t expires_at_s, Authenticated const& who) {
  if (ttl_.count() <= 0) return;
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_entries_) entries_.clear();  // crude and rare: a flood of tokens
  entries_[std::string(token)] = {who, expires_at_s, std::chrono::steady_clock::now()};
}

void SessionCache::forget_session(std::string const& session_id) {
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second.who.principal.session_id == session_id ? entries_.erase(it) : std::next(it);
  }
}

void SessionCache::forget_user(std::string const& user_id) {
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second.who.principal.user_id == user_id ? entries_.erase(it) : std::next(it);
  }
}

void SessionCache::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

}  // namespace astropixel::auth
