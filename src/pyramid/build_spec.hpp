#pragma once
// Build options, progress, results and errors as JSON lines: how a server hands a build to a child
// process (`astropixel _build`, datasets/build_process.hpp) and hears back. Both ends are the same
// binary, so the format is internal; every field is still checked on the way in.
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "pyramid/builder.hpp"

namespace astropixel::pyramid {

std::string to_json(BuildOptions const& options);
// Errors: bad_request.
Result<BuildOptions> build_options_from_json(std::string_view json);

// One line each, with "event": "progress" | "checkpoint" | "done" | "error".
std::string progress_line(Progress const& p);
// A snapshot of the pyramid so far was written (PackWriter::checkpoint): its number, the complete
// tile rows of each level, and whether it holds the preview (written first, ADR 0036).
std::string checkpoint_line(int number, std::vector<std::uint32_t> const& tile_rows, bool preview);
std::string done_line(BuildResult const& r);
std::string error_line(Error const& e);

// What a line says. Errors: bad_request (not one of ours).
struct BuildEvent {
  enum class Kind { progress, checkpoint, done, error } kind = Kind::progress;
  Progress progress;  // its stage points into a static string
  int checkpoint = 0;
  std::vector<std::uint32_t> tile_rows;  // of a checkpoint, level 0 first
  bool preview = false;                  // of a checkpoint
  BuildResult result;
  Error error;
};
Result<BuildEvent> parse_build_event(std::string_view line);

}  // namespace astropixel::pyramid
