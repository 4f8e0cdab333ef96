#include "auth/auth_service.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cctype>

#include "auth/validation.hpp"
#include "core/clock.hpp"
#include "core/error_catalogue.hpp"
#include "core/ids.hpp"

namespace astropixel::auth {
namespace {

Error bad_credentials() {
  Error e = make_error(ErrorCode::unauthorized, "Invalid credentials", "The login or the password is wrong");
  e.reason = errc::invalid_credentials.code;
  return e;
}

Error disabled() {
  Error e = make_error(ErrorCode::forbidden, "Account disabled", "This account has been disabled");
  e.reason = errc::account_disabled.code;
  return e;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The client's network, the unit sign-in failures are counted in: an IPv4 /24 or an IPv6 /64
// (one household or office; an attacker elsewhere is another key). Anything else as it is.
std::string client_network(std::string const& ip) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(ip, ec);
  if (ec) return ip;
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    a = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    b[3] = 0;
    return boost::asio::ip::address_v4(b).to_string() + "/24";
  }
  auto b = a.to_v6().to_bytes();
  std::fill(b.begin() + 8, b.end(), 0);
  return boost::asio::ip::address_v6(b).to_string() + "/64";
}

std::int64_t now_s() {
  return now_unix_ms() / 1000;
}

}  // namespace

AuthService::AuthService(UserRepository& users, SessionRepository& sessions, PasswordHasher const& hasher,
                         TokenCodec const& tokens, ratelimit::Limiter& limiter, AuthSettings settings)
    : users_(users),
      sessions_(sessions),
      hasher_(hasher),
      tokens_(tokens),
      limiter_(limiter),
      settings_(settings) {}

std::string AuthService::issue_access(std::string const& user_id, std::string const& session_id,
                                      std::int64_t now) const {
  return tokens_.issue({user_id, session_id, now, now, now + settings_.access_ttl.count()});
}

Result<SignIn> AuthService::start_session(User user, ClientInfo const& client) {
  std::string refresh = random_hex(32);
  auto now_ms = now_unix_ms();
  auto session =
      sessions_.create(user.id, token_digest(refresh), now_ms + settings_.refresh_ttl.count() * 1000,
                       client.user_agent.substr(0, 256), client.ip);
  if (!session) return session.error();
  SignIn out;
  out.session_id = session->id;
  out.access_token = issue_access(user.id, session->id, now_ms / 1000);
  out.access_expires_in = settings_.access_ttl.count();
  out.refresh_token = std::move(refresh);
  out.refresh_expires_in = settings_.refresh_ttl.count();
  out.user = std::move(user);
  return out;
}

Result<User> AuthService::create_user(Registration const& r, Role role) {
  for (auto s : {validate_email(r.email), validate_username(r.username), validate_password(r.password),
                 validate_full_name(r.full_name)}) {
    if (!s) return s.error();
  }
  auto hash = hasher_.hash(r.password);
  if (!hash) return hash.error();
  auto created = users_.create({r.email, lower(r.username), r.full_name, *hash, role});
  if (!created) {
    Error e = created.error();
    // email_taken / username_taken name their field in the catalogue.
    if (auto const* spec = find_error(e.machine_code()); spec && !spec->field.empty()) e.field = spec->field;
    return e;
  }
  return created;
}

Error AuthService::too_many_attempts(std::uint32_t retry_after) const {
  Error e = make_error(ErrorCode::rate_limited, "Too many sign-in attempts", "Wait a moment and try again");
  e.retry_after_s = static_cast<int>(std::max(1u, retry_after));
  return e;
}

Result<SignIn> AuthService::register_user(Registration const& r, ClientInfo const& client) {
  auto user = create_user(r, Role::user);
  if (!user) return user.error();
  return start_session(std::move(*user), client);
}

Result<SignIn> AuthService::login(std::string_view login, std::string_view password,
                                  ClientInfo const& client) {
  auto too_many = [this](std::uint32_t retry_after) { return too_many_attempts(retry_after); };
  // Every attempt counts against the address, which bounds online guessing from one place.
  if (auto by_ip = limiter_.check(settings_.login_per_ip, client.ip); !by_ip.allowed)
    return too_many(by_ip.retry_after);
  // Lengths before anything is keyed on the login (a 64 KiB login must not become a limiter key).
  if (login.empty() || login.size() > 254 || password.size() > kMaxPasswordBytes) {
    hasher_.verify_dummy(password.substr(0, kMaxPasswordBytes));
    return bad_credentials();
  }
  auto user = users_.find_by_login(login);
  if (!user && user.error().code != ErrorCode::not_found) return user.error();
  // Failures only count against the account, and per client network: someone guessing elsewhere
  // cannot lock the owner out, and the username and the email of one account are one key. Unknown
  // logins are keyed like real ones, so the answer reveals nothing.
  std::string const account_key =
      (user ? "u:" + user->id : "l:" + lower(login)) + "|" + client_network(client.ip);
  if (auto d = limiter_.peek(settings_.login_per_account, account_key); !d.allowed)
    return too_many(d.retry_after);
  auto failed = [&] {
    limiter_.check(settings_.login_per_account, account_key);
    return bad_credentials();
  };
  if (!user) {
    hasher_.verify_dummy(password);  // same cost as a real verification
    return failed();
  }
  if (!hasher_.verify(user->password_hash, password)) return failed();
  if (user->disabled) return disabled();
  if (hasher_.needs_rehash(user->password_hash)) {
    if (auto rehashed = hasher_.hash(password)) {
      if (users_.set_password_hash(user->id, *rehashed)) user->password_hash = *rehashed;
    }
  }
  return start_session(std::move(*user), client);
}

Result<SignIn> AuthService::refresh(std::string_view refresh_token, ClientInfo const&) {
  if (refresh_token.empty() || refresh_token.size() > 256) {
    Error e = make_error(ErrorCode::unauthorized, "Invalid refresh token", "Sign in again");
    e.reason = errc::invalid_refresh_token.code;
    return e;
  }
  std::string next = random_hex(32);
  auto now_ms = now_unix_ms();
  auto session = sessions_.rotate(token_digest(refresh_token), token_digest(next),
                                  now_ms + settings_.refresh_ttl.count() * 1000, now_ms);
  if (!session) {
    if (session.error().reason == errc::refresh_token_reused.code) cache_.clear();  // a session was revoked
    return session.error();
  }
  auto user = sessions_.active_user(session->id, session->user_id, now_ms);
  if (!user) return user.error();
  if (user->disabled) return disabled();
  SignIn out;
  out.session_id = session->id;
  out.access_token = issue_access(user->id, session->id, now_ms / 1000);
  out.access_expires_in = settings_.access_ttl.count();
  out.refresh_token = std::move(next);
  out.refresh_expires_in = settings_.refresh_ttl.count();
  out.user = std::move(*user);
  return out;
}

Status AuthService::logout(Principal const& who) {
  cache_.forget_session(who.session_id);
  return sessions_.revoke(who.session_id, now_unix_ms());
}

Result<Authenticated> AuthService::authenticate(std::string_view access_token) {
  auto claims = tokens_.verify(access_token, now_s());
  if (!claims) return claims.error();
  auto user = sessions_.active_user(claims->session_id, claims->user_id, now_unix_ms());
  if (!user) return user.error();
  if (user->disabled) return disabled();
  Authenticated who{Principal{user->id, claims->session_id, user->role}, std::move(*user)};
  cache_.remember(access_token, claims->expires_at, who);
  return who;
}

std::optional<Result<Authenticated>> AuthService::authenticate_cached(std::string_view access_token) {
  if (auto who = cache_.find(access_token, now_s())) return Result<Authenticated>(std::move(*who));
  auto claims = tokens_.verify(access_token, now_s());
  if (!claims) return Result<Authenticated>(claims.error());  // a bad token needs no database
  return std::nullopt;
}

Result<User> AuthService::update_profile(Principal const& who, std::optional<std::string> full_name,
                                         std::optional<std::string> avatar_url) {
  auto user = users_.find_by_id(who.user_id);
  if (!user) return user.error();
  if (full_name) {
    if (auto s = validate_full_name(*full_name); !s) return s.error();
    user->full_name = *full_name;
  }
  if (avatar_url) {
    if (auto s = validate_avatar_url(*avatar_url); !s) return s.error();
    user->avatar_url = *avatar_url;
  }
  if (auto s = users_.update_profile(user->id, user->full_name, user->avatar_url); !s) return s.error();
  return users_.find_by_id(who.user_id);
}

Status AuthService::change_password(Principal const& who, std::string_view current, std::string_view next) {
  if (auto s = validate_password(next); !s) return s.error();
  auto user = users_.find_by_id(who.user_id);
  if (!user) return user.error();
  if (!hasher_.verify(user->password_hash, current)) {
    Error e = make_error(ErrorCode::unauthorized, "Current password is wrong");
    e.reason = errc::invalid_credentials.code;
    e.field = "current_password";
    return e;
  }
  auto hash = hasher_.hash(next);
  if (!hash) return hash.error();
  if (auto s = users_.set_password_hash(user->id, *hash); !s) return s;
  cache_.forget_user(user->id);
  return sessions_.revoke_all(user->id, who.session_id, now_unix_ms());
}

Status AuthService::confirm_password(Principal const& who, std::string_view password,
                                     ClientInfo const& client, std::string_view field) {
  if (auto by_ip = limiter_.check(settings_.login_per_ip, client.ip); !by_ip.allowed)
    return too_many_attempts(by_ip.retry_after);
  // The key sign-in uses for this account: a guess here and a guess at the sign-in form are one count.
  std::string const account_key = "u:" + who.user_id + "|" + client_network(client.ip);
  if (auto d = limiter_.peek(settings_.login_per_account, account_key); !d.allowed)
    return too_many_attempts(d.retry_after);
  auto user = users_.find_by_id(who.user_id);
  if (!user) return user.error();
  if (password.size() > kMaxPasswordBytes || !hasher_.verify(user->password_hash, password)) {
    limiter_.check(settings_.login_per_account, account_key);
    // 403, not 401: the session is fine, only the password typed is not (a 401 would make a client
    // renew its session and then sign the user out).
    Error e = make_error(ErrorCode::forbidden, "The password is wrong", "Type your current password");
    e.reason = errc::wrong_password.code;
    e.field = std::string(field);
    return e;
  }
  return {};
}

Status AuthService::change_own_password(Principal const& who, std::string_view current, std::string_view next,
                                        ClientInfo const& client) {
  if (auto s = validate_password(next); !s) {
    Error e = s.error();
    e.field = "new_password";
    return e;
  }
  if (auto s = confirm_password(who, current, client, "current_password"); !s) return s;
  auto hash = hasher_.hash(next);
  if (!hash) return hash.error();
  if (auto s = users_.set_password_hash(who.user_id, *hash); !s) return s;
  cache_.forget_user(who.user_id);
  return sessions_.revoke_all(who.user_id, who.session_id, now_unix_ms());
}

Result<User> AuthService::change_email(Principal const& who, std::string_view email,
                                       std::string_view password, ClientInfo const& client) {
  if (auto s = validate_email(email); !s) return s.error();
  if (auto s = confirm_password(who, password, client, "current_password"); !s) return s.error();
  if (auto s = users_.set_email(who.user_id, email); !s) return s.error();
  cache_.forget_user(who.user_id);
  return users_.find_by_id(who.user_id);
}

Status AuthService::logout_all(Principal const& who) {
  cache_.forget_user(who.user_id);
  return sessions_.revoke_all(who.user_id, "", now_unix_ms());
}

Status AuthService::check_can_delete_self(Principal const& who) {
  if (who.role != Role::admin) return {};
  auto others = users_.count_other_admins(who.user_id);
  if (!others) return others.error();
  if (*others > 0) return {};
  Error e = make_error(ErrorCode::conflict, "The last administrator's account cannot be deleted",
                       "Make another account an administrator first");
  e.reason = errc::last_admin.code;
  return e;
}

Status AuthService::delete_self(Principal const& who) {
  // Its sessions go with the row (ON DELETE CASCADE), so a refused delete leaves them signed in.
  auto s = users_.remove_keeping_an_admin(who.user_id);
  cache_.forget_user(who.user_id);
  return s;
}

Result<User> AuthService::set_role(Principal const& by, std::string_view user_id, Role role) {
  if (by.user_id == user_id && role != Role::admin) {
    Error e = make_error(ErrorCode::conflict, "You cannot remove your own administrator role");
    e.reason = errc::cannot_modify_self.code;
    return e;
  }
  if (auto s = users_.set_role(user_id, role); !s) return s.error();
  cache_.forget_user(std::string(user_id));
  return users_.find_by_id(user_id);
}

Result<User> AuthService::set_disabled(Principal const& by, std::string_view user_id, bool disabled) {
  if (by.user_id == user_id && disabled) {
    Error e = make_error(ErrorCode::conflict, "You cannot disable your own account");
    e.reason = errc::cannot_modify_self.code;
    return e;
  }
  if (auto s = users_.set_disabled(user_id, disabled); !s) return s.error();
  cache_.forget_user(std::string(user_id));
  if (disabled) {
    if (auto s = sessions_.revoke_all(user_id, "", now_unix_ms()); !s) return s.error();
  }
  return users_.find_by_id(user_id);
}

Status AuthService::delete_user(Principal const& by, std::string_view user_id) {
  if (by.user_id == user_id) {
    Error e = make_error(ErrorCode::conflict, "You cannot delete your own account here");
    e.reason = errc::cannot_modify_self.code;
    return e;
  }
  cache_.forget_user(std::string(user_id));
  return users_.remove(user_id);
}

Status AuthService::set_password(std::string_view login, std::string_view password) {
  if (auto s = validate_password(password); !s) return s.error();
  auto user = users_.find_by_login(login);
  if (!user) return user.error();
  auto hash = hasher_.hash(password);
  if (!hash) return hash.error();
  if (auto s = users_.set_password_hash(user->id, *hash); !s) return s;
  cache_.forget_user(user->id);
  return sessions_.revoke_all(user->id, "", now_unix_ms());
}

}  // namespace astropixel::auth
