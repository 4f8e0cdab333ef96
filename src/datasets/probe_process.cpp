#include "datasets/probe_process.hpp"

#include <boost/json.hpp>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

#include "core/error_catalogue.hpp"
#include "core/log.hpp"
#include "datasets/child_process.hpp"
#include "pyramid/build_spec.hpp"

namespace astropixel::datasets {
namespace {

std::string reply(std::int64_t count, char const* bytes = nullptr) {
  std::string out(8, '\0');
  auto u = static_cast<std::uint64_t>(count);
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((u >> (8 * i)) & 0xff);
  if (count > 0) out.append(bytes, static_cast<std::size_t>(count));
  return out;
}

std::optional<pyramid::SourceInfo> parse_info(boost::json::object const& o) {
  auto const* info = o.if_contains("info");
  if (!info || !info->is_object()) return std::nullopt;
  auto const& i = info->as_object();
  auto text = [&](char const* k) {
    auto const* v = i.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  auto number = [&](char const* k) -> std::int64_t {
    auto const* v = i.if_contains(k);
    return v && v->is_int64() ? v->as_int64() : 0;
  };
  pyramid::SourceInfo s;
  s.format = text("format");
  s.sample_format = text("sample_format");
  s.width = static_cast<std::uint32_t>(number("width"));
  s.height = static_cast<std::uint32_t>(number("height"));
  s.bands = static_cast<int>(number("bands"));
  s.bit_depth = static_cast<int>(number("bit_depth"));
  if (s.format.empty() || s.width == 0 || s.height == 0) return std::nullopt;
  return s;
}

Result<pyramid::SourceInfo> run_probe(boost::json::object spec, std::uint64_t file_size,
                                      pyramid::StoredRead const* read, ProbeSettings const& settings) {
  spec["max_pixels"] = settings.max_pixels;
  if (!settings.fault.empty()) spec["fault"] = settings.fault;
  auto deadline = settings.timeout + std::chrono::seconds(static_cast<std::int64_t>(file_size / (32u << 20)));
  ChildRun run{
      .command = "_probe", .input = boost::json::serialize(spec) + "\n", .keep_stdin = read != nullptr};
  // A probe writes nothing but the sparse scratch copy of a stored image (else nowhere) and its
  // temporary directory.
  if (auto const* scratch = spec.if_contains("scratch"); scratch && scratch->is_string())
    run.writable_dirs = {std::filesystem::path(std::string(scratch->as_string())).parent_path().string()};
  // That directory (a `.fits.gz` is inflated there to read its header) is made beside the file.
  if (auto const* path = spec.if_contains("path"); path && path->is_string())
    run.scratch_parent = std::filesystem::path(std::string(path->as_string())).parent_path().string();
  else if (!run.writable_dirs.empty())
    run.scratch_parent = run.writable_dirs.front();
  run.limits = {.memory_bytes = settings.memory_limit_bytes,
                .cpu_seconds = static_cast<std::uint64_t>(deadline.count()),
                .deadline = std::chrono::duration_cast<std::chrono::milliseconds>(deadline)};

  std::optional<pyramid::SourceInfo> info;
  std::optional<Error> failure, store_failure;
  std::vector<char> buffer;
  auto on_line = [&](std::string const& line) -> std::optional<std::string> {
    boost::system::error_code ec;
    auto v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) return std::nullopt;  // a library's own output
    auto const& o = v.as_object();
    auto const* event = o.if_contains("event");
    if (!event || !event->is_string()) return std::nullopt;
    if (event->as_string() == "read") {
      auto const* off = o.if_contains("offset");
      auto const* len = o.if_contains("length");
      if (!read || !off || !len || !off->is_int64() || !len->is_int64() || off->as_int64() < 0 ||
          len->as_int64() < 0 || static_cast<std::uint64_t>(len->as_int64()) > kMaxProbeRead)
        return reply(-1);
      buffer.resize(static_cast<std::size_t>(len->as_int64()));
      auto got = (*read)(static_cast<std::uint64_t>(off->as_int64()), buffer);
      if (!got) {
        store_failure = got.error();  // the store's own error (unavailable, ...), not the image's
        return reply(-1);
      }
      return reply(static_cast<std::int64_t>(*got), buffer.data());
    }
    if (event->as_string() == "probed") {
      info = parse_info(o);
    } else if (event->as_string() == "error") {
      if (auto e = pyramid::parse_build_event(line); e && e->kind == pyramid::BuildEvent::Kind::error)
        failure = e->error;
    }
    return std::nullopt;
  };
  auto ended = run_child(run, on_line);
  if (!ended) return ended.error();
  if (ended->timed_out || ended->cpu_exceeded) {
    log::error("probe_process_stopped", {{"after_seconds", deadline.count()}});
    Error e = make_error(ErrorCode::unprocessable, "The image's header could not be read in time",
                         "reading it was stopped after " + std::to_string(deadline.count()) + " s");
    e.reason = errc::probe_timeout.code;
    return e;
  }
  if (store_failure) return *store_failure;
  if (ended->exited_ok() && info) return *info;
  if (failure) return *failure;
  auto how = ended->how();
  log::error("probe_process_died", {{"how", how}});
  Error e = make_error(ErrorCode::unprocessable, "The image could not be decoded",
                       "the decoding process ended with " + how);
  e.reason = errc::decoder_crashed.code;
  return e;
}

}  // namespace

std::string probe_info_line(pyramid::SourceInfo const& info) {
  return boost::json::serialize(boost::json::object{{"event", "probed"},
                                                    {"info",
                                                     {{"format", info.format},
                                                      {"sample_format", info.sample_format},
                                                      {"width", info.width},
                                                      {"height", info.height},
                                                      {"bands", info.bands},
                                                      {"bit_depth", info.bit_depth}}}});
}

std::string read_request_line(std::uint64_t offset, std::uint64_t length) {
  return boost::json::serialize(
      boost::json::object{{"event", "read"}, {"offset", offset}, {"length", length}});
}

Result<pyramid::SourceInfo> probe_in_child(std::filesystem::path const& path, ProbeSettings const& settings) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return run_probe(boost::json::object{{"path", path.string()}}, ec ? 0 : size, nullptr, settings);
}

Result<pyramid::SourceInfo> probe_stored_in_child(pyramid::StoredRead const& read, std::uint64_t size,
                                                  std::filesystem::path const& scratch,
                                                  ProbeSettings const& settings) {
  return run_probe(boost::json::object{{"stored_size", size}, {"scratch", scratch.string()}}, size, &read,
                   settings);
}

}  // namespace astropixel::datasets
