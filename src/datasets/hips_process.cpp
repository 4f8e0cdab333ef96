#include "datasets/hips_process.hpp"

#include <boost/json.hpp>
#include <optional>

#include "core/error_catalogue.hpp"
#include "core/log.hpp"
#include "datasets/child_process.hpp"
#include "pyramid/build_spec.hpp"

namespace astropixel::datasets {

Result<HipsBuilt> build_hips_in_child(ChildHips const& b, std::function<void(double)> const& progress,
                                      std::atomic<bool> const& cancel) {
  boost::json::object spec{{"pack", b.pack.string()},
                           {"output", b.output.string()},
                           {"threads", static_cast<std::int64_t>(b.threads)},
                           {"title", b.title},
                           {"creator_did", b.creator_did}};
  if (!b.wcs_json.empty()) spec["wcs"] = b.wcs_json;
  ChildRun run{.command = "_hips", .input = boost::json::serialize(spec)};
  run.writable_dirs = {b.output.string()};
  run.limits = {.memory_bytes = b.memory_limit_bytes,
                .deadline = std::chrono::duration_cast<std::chrono::milliseconds>(b.deadline)};

  std::optional<HipsBuilt> result;
  std::optional<Error> failure;
  auto on_line = [&](std::string const& line) -> std::optional<std::string> {
    boost::system::error_code ec;
    auto v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) return std::nullopt;  // not ours: ignore
    auto const& o = v.as_object();
    auto const* event = o.if_contains("event");
    if (!event || !event->is_string()) return std::nullopt;
    try {
      if (event->as_string() == "progress") {
        if (progress) progress(o.at("fraction").to_number<double>());
      } else if (event->as_string() == "done") {
        result = HipsBuilt{static_cast<int>(o.at("order").to_number<std::int64_t>()),
                           std::string(o.at("frame").as_string()), o.at("tiles").to_number<std::int64_t>(),
                           o.at("deepest_tiles").to_number<std::int64_t>()};
      } else if (event->as_string() == "error") {
        if (auto e = pyramid::parse_build_event(line); e && e->kind == pyramid::BuildEvent::Kind::error)
          failure = e->error;
      }
    } catch (std::exception const&) {
      // A line that lies about its fields is ignored; the exit decides.
    }
    return std::nullopt;
  };
  auto ended = run_child(run, on_line, &cancel);
  if (!ended) return ended.error();
  if (ended->cancelled) return make_error(ErrorCode::cancelled, "Cancelled");
  if (ended->exited_ok() && result) return *result;
  if (failure) return *failure;
  auto how = ended->timed_out ? std::string("its deadline") : ended->how();
  log::error("hips_process_died", {{"pack", b.pack.string()}, {"how", how}});
  Error e = make_error(ErrorCode::unprocessable, "The HiPS could not be built",
                       "the HiPS process ended with " + how);
  e.reason = ended->timed_out ? errc::build_timeout.code : errc::decoder_crashed.code;
  return e;
}

}  // namespace astropixel::datasets
