// astropixel: one binary for the server, its maintenance commands and (later) the tiler.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/commands.hpp"
#include "app/version.hpp"

int main(int argc, char** argv) {
  using namespace astropixel::app;
  CLI::App cli{"AstroPixel: explore gigapixel astronomical and planetary images in the browser"};
  cli.require_subcommand(1);
  CommonOptions common;
  std::string config_file;
  cli.add_option("--config", config_file, "TOML configuration file (environment variables override it)")
      ->check(CLI::ExistingFile);

  bool print_config = false;
  auto* serve = cli.add_subcommand("serve", "Run the HTTP server (and in-process workers)");
  serve->add_flag("--print-config", print_config,
                  "Print the effective configuration (secrets redacted) and exit");
  auto* migrate = cli.add_subcommand("migrate", "Apply database schema migrations and exit");
  auto* version_cmd = cli.add_subcommand("version", "Print the version and exit");

  CLI11_PARSE(cli, argc, argv);
  if (!config_file.empty()) common.config_file = config_file;

  if (*version_cmd) {
    std::cout << "astropixel " << version() << " (" << commit() << ")\n";
    return 0;
  }
  if (*migrate) return run_migrate(common);
  if (*serve) return run_serve(common, print_config);
  return 2;
}
