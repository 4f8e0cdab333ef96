#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace astropixel::app {

struct CommonOptions {
  std::optional<std::filesystem::path> config_file;
};

struct UserCommand {
  std::string action;  // create | set-role | disable | enable | reset-password
  std::string email, username, full_name, login, role;
  bool admin = false;
  bool password_stdin = false;
};

int run_user(CommonOptions const& common, UserCommand const& cmd);
int run_serve(CommonOptions const& common, bool print_config);
int run_migrate(CommonOptions const& common);

}  // namespace astropixel::app
