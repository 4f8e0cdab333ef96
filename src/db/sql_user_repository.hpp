#pragma once
#include "auth/user_repository.hpp"
#include "db/pool.hpp"

namespace astropixel::db {

class SqlUserRepository final : public auth::UserRepository {
 public:
  explicit SqlUserRepository(Pool& pool) : pool_(pool) {}

  Result<auth::User> create(auth::NewUser const& user) override;
  Result<auth::User> find_by_id(std::string_view id) override;
  Result<auth::User> find_by_login(std::string_view email_or_username) override;
  Status update_profile(std::string_view id, std::string_view full_name,
                        std::string_view avatar_url) override;
  Status set_email(std::string_view id, std::string_view email) override;
  Status set_password_hash(std::string_view id, std::string_view hash) override;
  Status set_role(std::string_view id, auth::Role role) override;
  Status set_disabled(std::string_view id, bool disabled) override;
  Status remove(std::string_view id) override;
  Result<std::int64_t> count_other_admins(std::string_view except) override;
  Status remove_keeping_an_admin(std::string_view id) override;
  Result<std::int64_t> count() override;
  Result<Page> list(std::string_view query, int limit, int offset) override;

 private:
  Result<auth::User> find_one(std::string_view where, std::vector<Value> params);
  Status update_one(std::string_view set_clause, std::vector<Value> params);
  Pool& pool_;
};

}  // namespace astropixel::db
