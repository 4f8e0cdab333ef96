#include "core/log.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>

namespace astropixel::log {
namespace {

std::atomic<Level> g_level{Level::info};

// spdlog owns the sink (thread safety, flushing); we hand it finished JSON lines.
spdlog::logger& sink() {
  static auto logger = [] {
    auto l = spdlog::stderr_logger_mt("astropixel");
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return *logger;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

}  // namespace

void set_level(Level level) {
  g_level = level;
}
bool enabled(Level level) {
  return level >= g_level.load();
}

Level parse_level(std::string_view text, Level fallback) {
  if (text == "debug") return Level::debug;
  if (text == "info") return Level::info;
  if (text == "warn" || text == "warning") return Level::warn;
  if (text == "error") return Level::error;
  return fallback;
}

std::string format_line(Level level, std::string_view event, std::initializer_list<Field> fields,
                        Context const* ctx) {
  boost::json::object obj;
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  obj["ts"] =
      fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(now)), ms);
  obj["level"] = level_name(level);
  obj["event"] = event;
  if (ctx) {
    if (!ctx->request_id.empty()) obj["request_id"] = ctx->request_id;
    if (!ctx->trace_id.empty()) obj["trace_id"] = ctx->trace_id;
    if (!ctx->span_id.empty()) obj["span_id"] = ctx->span_id;
  }
  for (auto const& f : fields) {
    std::visit([&](auto const& v) { obj[f.key] = v; }, f.value);
  }
  return boost::json::serialize(obj);
}

void write(Level level, std::string_view event, std::initializer_list<Field> fields, Context const* ctx) {
  if (!enabled(level)) return;
  sink().info(format_line(level, event, fields, ctx));
}

}  // namespace astropixel::log
