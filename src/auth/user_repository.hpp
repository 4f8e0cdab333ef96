#pragma once
// Persistence of user accounts, owned by auth/ and implemented in db/ (one SQL implementation over
// the SQLite and PostgreSQL drivers; docs/adr/0002-one-sql-repository-two-drivers.md).
#include <string_view>
#include <vector>

#include "auth/user.hpp"
#include "core/error.hpp"

namespace astropixel::auth {

class UserRepository {
 public:
  virtual ~UserRepository() = default;

  // Errors: conflict with reason "email_taken" or "username_taken" (both compared case-insensitively);
  // unavailable when the database is down.
  virtual Result<User> create(NewUser const& user) = 0;
  // Errors: not_found.
  virtual Result<User> find_by_id(std::string_view id) = 0;
  // Looks up by email or username, case-insensitively. Errors: not_found.
  virtual Result<User> find_by_login(std::string_view email_or_username) = 0;
  // Errors: not_found.
  virtual Status update_profile(std::string_view id, std::string_view full_name,
                                std::string_view avatar_url) = 0;
  // Errors: conflict (email_taken, compared case-insensitively), not_found.
  virtual Status set_email(std::string_view id, std::string_view email) = 0;
  virtual Status set_password_hash(std::string_view id, std::string_view hash) = 0;
  virtual Status set_role(std::string_view id, Role role) = 0;
  virtual Status set_disabled(std::string_view id, bool disabled) = 0;
  virtual Result<std::int64_t> count() = 0;
  // Deletes the account; sessions go with it. Errors: not_found.
  virtual Status remove(std::string_view id) = 0;
  // Enabled administrators other than `except`.
  virtual Result<std::int64_t> count_other_admins(std::string_view except) = 0;
  // As remove, in one statement that leaves the account when it is the last enabled administrator,
  // so two administrators deleting themselves at once cannot both go. Errors: conflict (last_admin),
  // not_found.
  virtual Status remove_keeping_an_admin(std::string_view id) = 0;

  struct Page {
    std::vector<User> users;
    std::int64_t total = 0;
  };
  // Users whose email, username or full name contains `query` (case-insensitive), newest first.
  virtual Result<Page> list(std::string_view query, int limit, int offset) = 0;
};

}  // namespace astropixel::auth
