#pragma once
#include <cstdint>
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

struct TileCommand {
  std::string input, output;
  std::string format = "jpg";
  int quality = 85;
  std::uint32_t tile_size = 256;
  std::string layout = "pack";
  std::string progress = "auto";  // auto | bar | json | none
  std::uint64_t max_pixels = 9'000'000'000ull;
  unsigned threads = 0;
  std::string stretch = "linear";
  std::string cuts;  // "LO,HI" data values
  std::string colormap = "grey";
  int hdu = -1;   // FITS HDU (0-based); -1 = first image
  int plane = 0;  // plane of a FITS cube
};

struct HipsCommand {
  std::filesystem::path pack, output;
  int order = -1;  // -1: from the pixel size
  std::string formats = "png,fits";
  std::string progress = "auto";
  std::string title;
  std::filesystem::path wcs;  // FITS header cards (a Hipsgen .hhh file): the WCS of a pack without one
};

struct ImportCommand {
  std::string dir, owner;
  bool make_public = false;
};

int run_tile(TileCommand const& cmd);
// `astropixel hips PACK OUTDIR`: a HiPS directory from a pack (ADR 0030).
int run_hips(HipsCommand const& cmd);
// `astropixel import DIR --owner LOGIN`: a folder of images becomes the owner's datasets.
int run_import(CommonOptions const& common, ImportCommand const& cmd);
// The hidden `_build` command: one build for a server or worker, spec on stdin, JSON lines out.
int run_build_child();
// The hidden `_hips` command: one HiPS build for a server or worker (datasets/hips_process.hpp).
int run_hips_child();
// The hidden `_probe` command: one upload's header for a server (datasets/probe_process.hpp).
int run_probe_child();
// Logs a restriction of the sandbox that this child process could not get (child_process.hpp).
void log_sandbox(char const* process);
int run_user(CommonOptions const& common, UserCommand const& cmd);
int run_serve(CommonOptions const& common, bool print_config);
int run_migrate(CommonOptions const& common);
// Runs jobs without HTTP until SIGINT/SIGTERM; `concurrency` 0 = WORKERS (at least one).
int run_worker(CommonOptions const& common, int concurrency);

}  // namespace astropixel::app
