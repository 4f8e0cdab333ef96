#pragma once
// Structured logging: one JSON object per line on stderr. Every event has a timestamp, level and
// event name; request-scoped events also carry the request id and trace id. Callers pass only
// what is safe to log: never a password, token or cookie.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace astropixel::log {

enum class Level { debug, info, warn, error };

struct Field {
  std::string_view key;
  std::variant<std::string_view, std::int64_t, double, bool> value;

  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, std::string const& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, char const* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  template <class I>
  requires std::is_integral_v<I> Field(std::string_view k, I v)
      : key(k), value(static_cast<std::int64_t>(v)) {}
};

// Request-scoped identity carried into every log line of that request.
struct Context {
  std::string_view request_id;
  std::string_view trace_id;
  std::string_view span_id;
};

void set_level(Level level);
Level parse_level(std::string_view text, Level fallback);
bool enabled(Level level);

void write(Level level, std::string_view event, std::initializer_list<Field> fields,
           Context const* ctx = nullptr);

// Builds the JSON line without writing it (exposed for tests).
std::string format_line(Level level, std::string_view event, std::initializer_list<Field> fields,
                        Context const* ctx);

inline void info(std::string_view event, std::initializer_list<Field> fields = {},
                 Context const* ctx = nullptr) {
  write(Level::info, event, fields, ctx);
}
inline void warn(std::string_view event, std::initializer_list<Field> fields = {},
                 Context const* ctx = nullptr) {
  write(Level::warn, event, fields, ctx);
}
inline void error(std::string_view event, std::initializer_list<Field> fields = {},
                  Context const* ctx = nullptr) {
  write(Level::error, event, fields, ctx);
}
inline void debug(std::string_view event, std::initializer_list<Field> fields = {},
                  Context const* ctx = nullptr) {
  write(Level::debug, event, fields, ctx);
}

}  // namespace astropixel::log
