// `astropixel user ...`: account administration from the shell. There is no default account and no
// bootstrap endpoint: the first administrator is created here.
#include <iostream>
#include <string>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/services.hpp"
#include "auth/auth_service.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "db/sql_session_repository.hpp"
#include "db/sql_user_repository.hpp"
#include "ratelimit/memory_limiter.hpp"

namespace astropixel::app {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitConfig = 2;
constexpr int kExitUnavailable = 3;

int fail(Error const& e) {
  std::cerr << "astropixel: " << e.message;
  if (!e.detail.empty()) std::cerr << ": " << e.detail;
  std::cerr << " (" << e.machine_code() << ")\n";
  return e.code == ErrorCode::unavailable ? kExitUnavailable : kExitFailure;
}

// Reads the password from stdin (first line), or generates one that is printed once.
std::pair<std::string, bool> obtain_password(bool from_stdin) {
  if (from_stdin) {
    std::string line;
    std::getline(std::cin, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return {line, false};
  }
  return {random_hex(12), true};
}

}  // namespace

int run_user(CommonOptions const& common, UserCommand const& cmd) {
  auto cfg = load_config(common.config_file, process_env());
  if (!cfg) {
    std::cerr << "astropixel: " << cfg.error().message << ": " << cfg.error().detail << "\n";
    return kExitConfig;
  }
  auto pool = open_database(*cfg);
  if (!pool) return kExitUnavailable;
  db::SqlUserRepository users(*pool);
  db::SqlSessionRepository sessions(*pool);
  auth::PasswordHasher hasher(hash_params(*cfg));
  // Tokens are never issued here; the codec only satisfies the service's constructor.
  auth::TokenCodec tokens(random_hex(32));
  ratelimit::MemoryLimiter limiter;
  auth::AuthService service(users, sessions, hasher, tokens, limiter, auth_settings(*cfg));

  if (cmd.action == "create") {
    auto [password, generated] = obtain_password(cmd.password_stdin);
    auto user = service.create_user({cmd.email, cmd.username, password, cmd.full_name},
                                    cmd.admin ? auth::Role::admin : auth::Role::user);
    if (!user) return fail(user.error());
    std::cout << "created " << auth::to_string(user->role) << " " << user->username << " (" << user->id
              << ")\n";
    if (generated) std::cout << "password: " << password << "\n(shown once; change it after signing in)\n";
    return 0;
  }
  auto user = users.find_by_login(cmd.login);
  if (!user) return fail(user.error());
  if (cmd.action == "set-role") {
    auto role = auth::parse_role(cmd.role);
    if (!role) return fail(make_error(ErrorCode::validation, "Role must be user or admin", cmd.role));
    if (auto s = users.set_role(user->id, *role); !s) return fail(s.error());
    std::cout << user->username << " is now " << auth::to_string(*role) << "\n";
    return 0;
  }
  if (cmd.action == "disable" || cmd.action == "enable") {
    bool disable = cmd.action == "disable";
    if (auto s = users.set_disabled(user->id, disable); !s) return fail(s.error());
    if (disable) (void)sessions.revoke_all(user->id, "", now_unix_ms());
    std::cout << user->username << (disable ? " disabled\n" : " enabled\n");
    return 0;
  }
  if (cmd.action == "reset-password") {
    auto [password, generated] = obtain_password(cmd.password_stdin);
    if (auto s = service.set_password(user->username, password); !s) {
      return fail(s.error());
    }
    std::cout << "password reset for " << user->username << "; their sessions have ended\n";
    if (generated) std::cout << "password: " << password << "\n(shown once)\n";
    return 0;
  }
  return fail(make_error(ErrorCode::validation, "Unknown user action", cmd.action));
}

}  // namespace astropixel::app
