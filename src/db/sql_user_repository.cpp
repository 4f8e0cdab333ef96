#include "db/sql_user_repository.hpp"

#include <algorithm>
#include <cctype>

#include "core/clock.hpp"
#include "core/error_catalogue.hpp"
#include "core/ids.hpp"

namespace astropixel::db {
namespace {

constexpr std::string_view kColumns =
    "id, email, username, full_name, avatar_url, password_hash, role, disabled, created_at, updated_at";

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

auth::User user_from(Rows const& rows, std::size_t r) {
  auth::User u;
  u.id = rows.text(r, 0);
  u.email = rows.text(r, 1);
  u.username = rows.text(r, 2);
  u.full_name = rows.text(r, 3);
  u.avatar_url = rows.text(r, 4);
  u.password_hash = rows.text(r, 5);
  u.role = auth::parse_role(rows.text(r, 6)).value_or(auth::Role::user);
  u.disabled = rows.int64(r, 7) != 0;
  u.created_at = rows.int64(r, 8);
  u.updated_at = rows.int64(r, 9);
  return u;
}

}  // namespace

Result<auth::User> SqlUserRepository::create(auth::NewUser const& nu) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auth::User u;
  u.id = random_id();
  u.email = nu.email;
  u.username = lower(nu.username);
  u.full_name = nu.full_name;
  u.password_hash = nu.password_hash;
  u.role = nu.role;
  u.created_at = u.updated_at = now_unix_ms();
  auto r = (*conn)->query(
      "INSERT INTO users (id, email, email_key, username, full_name, avatar_url, password_hash, role, "
      "disabled, "
      "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, '', $6, $7, 0, $8, $9)",
      {u.id, u.email, lower(u.email), u.username, u.full_name, u.password_hash,
       std::string(auth::to_string(u.role)), u.created_at, u.updated_at});
  if (!r) {
    Error e = r.error();
    if (e.code != ErrorCode::conflict) return e;
    // Name the field that collided, so the client can point at it.
    auto taken = (*conn)->query("SELECT 1 FROM users WHERE email_key = $1", {lower(u.email)});
    bool email_taken = taken && !taken->empty();
    Error out =
        make_error(ErrorCode::conflict, email_taken ? "Email already registered" : "Username already taken");
    out.reason = email_taken ? errc::email_taken.code : errc::username_taken.code;
    return out;
  }
  return u;
}

Result<auth::User> SqlUserRepository::find_one(std::string_view where, std::vector<Value> params) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto r =
      (*conn)->query("SELECT " + std::string(kColumns) + " FROM users WHERE " + std::string(where), params);
  if (!r) return r.error();
  if (r->empty()) return make_error(ErrorCode::not_found, "User not found");
  return user_from(*r, 0);
}

Result<auth::User> SqlUserRepository::find_by_id(std::string_view id) {
  return find_one("id = $1", {std::string(id)});
}

Result<auth::User> SqlUserRepository::find_by_login(std::string_view login) {
  auto key = lower(login);
  return find_one("email_key = $1 OR username = $1", {key});
}

Status SqlUserRepository::update_one(std::string_view set_clause, std::vector<Value> params) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  params.push_back(now_unix_ms());
  auto sql = "UPDATE users SET " + std::string(set_clause) + ", updated_at = $" +
             std::to_string(params.size()) + " WHERE id = $1";
  auto r = (*conn)->query(sql, params);
  if (!r) return r.error();
  if (r->affected == 0) return make_error(ErrorCode::not_found, "User not found");
  return {};
}

Status SqlUserRepository::update_profile(std::string_view id, std::string_view full_name,
                                         std::string_view avatar_url) {
  return update_one("full_name = $2, avatar_url = $3",
                    {std::string(id), std::string(full_name), std::string(avatar_url)});
}

Status SqlUserRepository::set_email(std::string_view id, std::string_view email) {
  auto s = update_one("email = $2, email_key = $3", {std::string(id), std::string(email), lower(email)});
  if (!s && s.error().code == ErrorCode::conflict) {
    Error e = make_error(ErrorCode::conflict, "Email already registered");
    e.reason = errc::email_taken.code;
    e.field = "email";
    return e;
  }
  return s;
}

Status SqlUserRepository::set_password_hash(std::string_view id, std::string_view hash) {
  return update_one("password_hash = $2", {std::string(id), std::string(hash)});
}

Status SqlUserRepository::set_role(std::string_view id, auth::Role role) {
  return update_one("role = $2", {std::string(id), std::string(auth::to_string(role))});
}

Status SqlUserRepository::remove(std::string_view id) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto r = (*conn)->query("DELETE FROM users WHERE id = $1", {std::string(id)});
  if (!r) return r.error();
  if (r->affected == 0) return make_error(ErrorCode::not_found, "User not found");
  return {};
}

Result<std::int64_t> SqlUserRepository::count_other_admins(std::string_view except) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto r = (*conn)->query("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id <> $1",
                          {std::string(except)});
  if (!r) return r.error();
  return r->int64(0, 0);
}

Status SqlUserRepository::remove_keeping_an_admin(std::string_view id) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto r = (*conn)->query(
      "DELETE FROM users WHERE id = $1 AND (role <> 'admin' OR EXISTS (SELECT 1 FROM users o WHERE "
      "o.role = 'admin' AND o.disabled = 0 AND o.id <> $1))",
      {std::string(id)});
  if (!r) return r.error();
  if (r->affected > 0) return {};
  auto still = find_by_id(id);
  if (!still) return still.error();  // not_found: it was already gone
  Error e = make_error(ErrorCode::conflict, "The last administrator's account cannot be deleted",
                       "Make another account an administrator first");
  e.reason = errc::last_admin.code;
  return e;
}

Status SqlUserRepository::set_disabled(std::string_view id, bool disabled) {
  return update_one("disabled = $2", {std::string(id), std::int64_t{disabled}});
}

Result<std::int64_t> SqlUserRepository::count() {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto r = (*conn)->query("SELECT COUNT(*) FROM users");
  if (!r) return r.error();
  return r->int64(0, 0);
}

Result<auth::UserRepository::Page> SqlUserRepository::list(std::string_view query, int limit, int offset) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  // LIKE wildcards in the query are matched literally.
  std::string pattern = "%";
  for (char c : lower(query)) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += "%";
  std::string where =
      " WHERE email_key LIKE $1 ESCAPE '\\' OR username LIKE $1 ESCAPE '\\' OR LOWER(full_name) LIKE $1 "
      "ESCAPE '\\'";
  auto total = (*conn)->query("SELECT COUNT(*) FROM users" + where, {pattern});
  if (!total) return total.error();
  auto rows = (*conn)->query("SELECT " + std::string(kColumns) + " FROM users" + where +
                                 " ORDER BY created_at DESC, id LIMIT $2 OFFSET $3",
                             {pattern, std::int64_t{limit}, std::int64_t{offset}});
  if (!rows) return rows.error();
  Page page;
  page.total = total->int64(0, 0);
  for (std::size_t r = 0; r < rows->rows.size(); ++r) page.users.push_back(user_from(*rows, r));
  return page;
}

}  // namespace astropixel::db
