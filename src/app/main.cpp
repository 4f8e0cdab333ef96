// astropixel: one binary for the server, its maintenance commands and (later) the tiler.
#include <sys/prctl.h>
#include <sys/stat.h>

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
  int worker_concurrency = 0;
  auto* worker =
      cli.add_subcommand("worker", "Run background jobs (pyramid builds) without HTTP, until stopped");
  worker->add_option("--concurrency", worker_concurrency, "Jobs at a time (default: WORKERS, at least 1)")
      ->check(CLI::Range(1, 256));
  auto* migrate = cli.add_subcommand("migrate", "Apply database schema migrations and exit");
  auto* version_cmd = cli.add_subcommand("version", "Print the version and exit");

  TileCommand tile_cmd;
  auto* tile = cli.add_subcommand(
      "tile", "Build a tile pyramid from an image (TIFF, PNG, JPEG, JPEG 2000, WebP, FITS)");
  tile->add_option("input", tile_cmd.input, "Source image")->required();
  tile->add_option("output", tile_cmd.output, "Output: a .pack file, or the base name for --layout dz")
      ->required();
  tile->add_option("--format", tile_cmd.format, "Tile format")->check(CLI::IsMember({"jpg", "png", "webp"}));
  tile->add_option("--quality", tile_cmd.quality, "JPEG/WebP quality")->check(CLI::Range(1, 100));
  tile->add_option("--tile-size", tile_cmd.tile_size, "Tile edge in pixels")->check(CLI::Range(64, 4096));
  tile->add_option("--layout", tile_cmd.layout, "pack (one file) or dz (Deep Zoom directory tree)")
      ->check(CLI::IsMember({"pack", "dz", "xyz", "iiif"}));
  tile->add_option("--progress", tile_cmd.progress, "Progress on a terminal (bar), as JSON lines, or none")
      ->check(CLI::IsMember({"auto", "bar", "json", "none"}));
  tile->add_option("--max-pixels", tile_cmd.max_pixels,
                   "Refuse images with more pixels (checked from the header)");
  tile->add_option("--threads", tile_cmd.threads, "Encoding threads (0 = one per core)");
  tile->add_option("--stretch", tile_cmd.stretch, "Display stretch for 16-bit and float data")
      ->check(CLI::IsMember({"linear", "zscale", "log", "sqrt", "asinh", "squared", "sinh", "histeq"}));
  tile->add_option(
      "--colormap", tile_cmd.colormap,
      "Colour map after the stretch: grey, heat, cool, rainbow, viridis, inferno (NAME_r inverted)");
  tile->add_option("--hdu", tile_cmd.hdu, "FITS HDU to tile, numbered from 0 (default: the first image)");
  tile->add_option("--plane", tile_cmd.plane, "Plane of a FITS data cube, numbered from 0");
  tile->add_option("--cuts", tile_cmd.cuts, "LO,HI data values instead of the 0.25/99.75 % percentiles");

  HipsCommand hips_cmd;
  auto* hips = cli.add_subcommand("hips", "Build a HiPS directory (Aladin's sky tiles) from a pyramid pack");
  hips->add_option("pack", hips_cmd.pack, "A .pack from `astropixel tile` of an image with a celestial WCS")
      ->required();
  hips->add_option("output", hips_cmd.output, "The HiPS directory to write")->required();
  hips->add_option("--order", hips_cmd.order, "Deepest HiPS order (default: from the pixel size)")
      ->check(CLI::Range(0, 20));
  hips->add_option("--formats", hips_cmd.formats, "Tile formats: png, fits or png,fits")
      ->check(CLI::IsMember({"png", "fits", "png,fits", "fits,png"}));
  hips->add_option("--progress", hips_cmd.progress, "Progress on a terminal (bar), as JSON lines, or none")
      ->check(CLI::IsMember({"auto", "bar", "json", "none"}));
  hips->add_option("--title", hips_cmd.title, "obs_title in properties (default: the pack's name)");
  hips->add_option(
          "--wcs", hips_cmd.wcs,
          "FITS header cards holding the image's celestial WCS, as in a Hipsgen .hhh file (for a pack "
          "without one: a colour image)")
      ->check(CLI::ExistingFile);

  // Internal: a server's or worker's pyramid build in its own process (datasets/build_process.hpp).
  auto* build_child = cli.add_subcommand("_build", "")->group("");
  // Internal: a HiPS build in its own process (datasets/hips_process.hpp).
  auto* hips_child = cli.add_subcommand("_hips", "")->group("");
  // Internal: an upload's header read in its own process (datasets/probe_process.hpp).
  auto* probe_child = cli.add_subcommand("_probe", "")->group("");

  UserCommand user_cmd;
  auto* user = cli.add_subcommand("user", "Manage accounts (the first administrator is created here)");
  user->require_subcommand(1);
  auto* create =
      user->add_subcommand("create", "Create an account; the password is read from stdin or generated");
  create->add_option("--email", user_cmd.email, "Email address")->required();
  create->add_option("--username", user_cmd.username, "Username: 3-64 letters, digits or underscores")
      ->required();
  create->add_option("--full-name", user_cmd.full_name, "Display name");
  create->add_flag("--admin", user_cmd.admin, "Make the account an administrator");
  create->add_flag("--password-stdin", user_cmd.password_stdin,
                   "Read the password from the first line of stdin");
  auto* set_role = user->add_subcommand("set-role", "Change an account's role");
  set_role->add_option("login", user_cmd.login, "Email or username")->required();
  set_role->add_option("role", user_cmd.role, "user or admin")
      ->required()
      ->check(CLI::IsMember({"user", "admin"}));
  auto* disable = user->add_subcommand("disable", "Disable an account and end its sessions");
  disable->add_option("login", user_cmd.login, "Email or username")->required();
  auto* enable = user->add_subcommand("enable", "Enable a disabled account");
  enable->add_option("login", user_cmd.login, "Email or username")->required();
  auto* reset = user->add_subcommand("reset-password", "Set a new password and end the account's sessions");
  reset->add_option("login", user_cmd.login, "Email or username")->required();
  reset->add_flag("--password-stdin", user_cmd.password_stdin,
                  "Read the password from the first line of stdin");

  ImportCommand import_cmd;
  auto* import = cli.add_subcommand(
      "import", "Turn a folder of images into datasets (files already imported are skipped)");
  import->add_option("dir", import_cmd.dir, "Folder whose image files are imported (not its subfolders)")
      ->required();
  import->add_option("--owner", import_cmd.owner, "Email or username of the datasets' owner")->required();
  import->add_flag("--public", import_cmd.make_public, "Make the datasets public (default: private)");

  try {
    cli.parse(argc, argv);
  } catch (CLI::ParseError const& e) {
    // --help and --version exit 0; every usage error exits 2, whatever CLI11's own code.
    return cli.exit(e) == 0 ? 0 : 2;
  }
  if (!config_file.empty()) common.config_file = config_file;

  if (*version_cmd) {
    std::cout << "astropixel " << version() << " (" << commit() << ")\n";
    return 0;
  }
  // What the server writes under DATA_DIR (the database with password hashes and sessions, the
  // secret key, uploads and pyramids) is for this account alone: 0700 directories, 0600 files.
  // Not for `tile`, whose output the user asked for where they wanted it.
  if (*migrate || *serve || *worker || *user || *import) ::umask(077);
  // A server or worker holds SECRET_KEY, DATABASE_URL and the store's keys in its environment and
  // memory: not dumpable, so a process of the same user without CAP_SYS_PTRACE (a decoder child,
  // which drops its capabilities) cannot read its /proc/<pid>/environ or mem, nor ptrace it.
  if (*serve || *worker) ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (*migrate) return run_migrate(common);
  if (*tile) return run_tile(tile_cmd);
  if (*hips) return run_hips(hips_cmd);
  if (*build_child) return run_build_child();
  if (*probe_child) return run_probe_child();
  if (*hips_child) return run_hips_child();
  if (*user) {
    for (auto* sub : user->get_subcommands()) user_cmd.action = sub->get_name();
    return run_user(common, user_cmd);
  }
  if (*import) return run_import(common, import_cmd);
  if (*serve) return run_serve(common, print_config);
  if (*worker) return run_worker(common, worker_concurrency);
  return 2;
}
