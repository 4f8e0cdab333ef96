#pragma once
#include "auth/session_repository.hpp"
#include "db/pool.hpp"

namespace astropixel::db {

class SqlSessionRepository final : public auth::SessionRepository {
 public:
  explicit SqlSessionRepository(Pool& pool) : pool_(pool) {}

  Result<auth::Session> create(std::string_view user_id, std::string_view refresh_digest,
                               std::int64_t expires_at, std::string_view user_agent,
                               std::string_view ip) override;
  Result<auth::Session> rotate(std::string_view refresh_digest, std::string_view next_digest,
                               std::int64_t next_expires_at, std::int64_t now) override;
  Result<auth::User> active_user(std::string_view session_id, std::string_view user_id,
                                 std::int64_t now) override;
  Status revoke(std::string_view session_id, std::int64_t now) override;
  Status revoke_all(std::string_view user_id, std::string_view keep, std::int64_t now) override;

 private:
  Pool& pool_;
};

}  // namespace astropixel::db
