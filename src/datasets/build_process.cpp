#include "datasets/build_process.hpp"

#include <boost/json.hpp>
#include <optional>

#include "core/error_catalogue.hpp"
#include "core/log.hpp"
#include "datasets/child_process.hpp"
#include "pyramid/build_spec.hpp"

namespace astropixel::datasets {

Result<pyramid::BuildResult> build_in_child(ChildBuild const& b, pyramid::ProgressFn const& progress,
                                            std::atomic<bool> const& cancel, std::uint64_t* peak_rss_bytes,
                                            CheckpointFn const& checkpoint) {
  boost::json::object spec{{"input", b.input.string()},
                           {"output", b.output.string()},
                           {"options", boost::json::parse(pyramid::to_json(b.options))},
                           {"strip_delay_ms", b.strip_delay_ms}};
  if (!b.fault.empty()) spec["fault"] = b.fault;
  if (!b.live.empty()) spec["live"] = b.live.string();
  ChildRun run{.command = "_build", .input = boost::json::serialize(spec)};
  // The pack is written beside its final name and renamed: the output's directory, and only it.
  run.writable_dirs = {b.output.parent_path().string()};
  run.scratch_parent = (b.scratch.empty() ? b.output.parent_path() : b.scratch).string();
  run.limits = {.memory_bytes = b.memory_limit_bytes,
                .cpu_seconds = b.cpu_seconds,
                .deadline = std::chrono::duration_cast<std::chrono::milliseconds>(b.deadline)};

  std::optional<pyramid::BuildResult> result;
  std::optional<Error> failure;
  auto on_line = [&](std::string const& line) -> std::optional<std::string> {
    auto event = pyramid::parse_build_event(line);
    if (!event) return std::nullopt;  // not ours (a library printing to stdout): ignore
    switch (event->kind) {
      case pyramid::BuildEvent::Kind::progress:
        if (progress) progress(event->progress);
        break;
      case pyramid::BuildEvent::Kind::checkpoint:
        if (checkpoint) checkpoint(event->checkpoint, event->tile_rows, event->preview);
        break;
      case pyramid::BuildEvent::Kind::done:
        result = event->result;
        break;
      case pyramid::BuildEvent::Kind::error:
        failure = event->error;
        break;
    }
    return std::nullopt;
  };
  auto ended = run_child(run, on_line, &cancel);
  if (!ended) return ended.error();
  if (peak_rss_bytes) *peak_rss_bytes = ended->peak_rss_bytes;

  if (ended->cancelled) return make_error(ErrorCode::cancelled, "Cancelled");
  if (ended->timed_out || ended->cpu_exceeded) {
    auto what = ended->timed_out ? std::to_string(b.deadline.count()) + " s (its deadline)"
                                 : std::to_string(b.cpu_seconds) + " s of CPU time (its limit)";
    log::error("build_process_stopped", {{"input", b.input.string()}, {"after", what}});
    Error e = make_error(ErrorCode::unprocessable, "The image took too long to process",
                         "the build was stopped after " + what +
                             "; limits grow with the image's size (BUILD_TIMEOUT_BASE_S, "
                             "BUILD_TIMEOUT_PER_MEGAPIXEL_MS)");
    e.reason = errc::build_timeout.code;
    return e;
  }
  if (ended->exited_ok() && result) return *result;
  if (failure) return *failure;
  // Died without a word: a crash, a kill, or an allocation past the limit.
  auto how = ended->how();
  log::error("build_process_died", {{"input", b.input.string()}, {"how", how}});
  Error e = make_error(ErrorCode::unprocessable, "The image could not be decoded",
                       "the decoding process ended with " + how);
  e.reason = errc::decoder_crashed.code;
  return e;
}

}  // namespace astropixel::datasets
