#pragma once
// Build options, progress, results and errors as JSON lines: how a server hands a build to a child
// process (`astropixel _build`, datasets/build_process.hpp) and hears back. Both ends are the same
// binary, so the format is internal; every field is still checked on the way in.
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "pyramid/builder.hpp"

namespace astropixel::pyramid {

std::string to_json(BuildOptions const& options);
// Errors: bad_request.
Result<BuildOptions> build_options_from_json(std::string_view json);

// One line each, with "event": "progress" | "done" | "error".
std::string progress_line(Progress const& p);
std::string done_line(BuildResult const& r);
std::string error_line(Error const& e);

// What a line says. Errors: bad_request (not one of ours).
struct BuildEvent {
  enum class Kind { progress, done, error } kind = Kind::progress;
  Progress progress;  // its stage points into a static string
  BuildResult result;
  Error error;
};
Result<BuildEvent> parse_build_event(std::string_view line);

}  // namespace astropixel::pyramid
