#include "annotations/ds9_region.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <numbers>
#include <optional>
#include <utility>

#include "core/error_catalogue.hpp"

namespace astropixel::annotations {
namespace {

constexpr std::size_t kMaxIssues = 1000;
constexpr double kMaxMagnitude = 1e12;  // larger numbers are no coordinate; keeps later arithmetic finite

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_space(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// What a report may quote of a line: printable ASCII, 200 characters at most.
std::string quoted(std::string_view line) {
  line = trim(line);
  std::string out;
  for (char c : line.substr(0, 200)) {
    auto u = static_cast<unsigned char>(c);
    out += u >= 0x20 && u < 0x7f ? c : '?';
  }
  return out;
}

std::optional<double> number(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v) || std::abs(v) > kMaxMagnitude)
    return std::nullopt;
  return v;
}

struct ShapeName {
  std::string_view name;
  Shape shape;
};
constexpr std::array<ShapeName, 9> kShapes{{{"circle", Shape::circle},
                                            {"box", Shape::box},
                                            {"rotbox", Shape::box},  // CIAO
                                            {"ellipse", Shape::ellipse},
                                            {"polygon", Shape::polygon},
                                            {"point", Shape::point},
                                            {"line", Shape::line},
                                            {"text", Shape::text},
                                            {"rotrectangle", Shape::box}}};

// Shapes DS9 (or CIAO) knows that have no annotation counterpart.
constexpr std::array<std::string_view, 14> kOtherShapes{
    "annulus",    "panda",   "epanda", "bpanda", "vector", "ruler",     "compass",
    "projection", "segment", "pie",    "sector", "field",  "rectangle", "composite"};

// Shapes DS9 writes behind "# " (other parsers skip them as comments; DS9 reads them).
constexpr std::array<std::string_view, 7> kHashShapes{"text",    "composite",  "vector", "ruler",
                                                      "compass", "projection", "segment"};

constexpr std::array<std::string_view, 7> kPointShapes{"circle", "box",   "diamond",  "cross",
                                                       "x",      "arrow", "boxcircle"};

template <class A>
bool contains(A const& a, std::string_view v) {
  for (auto const& x : a)
    if (x == v) return true;
  return false;
}

std::optional<System> system_named(std::string_view w) {
  if (w == "image") return System::image;
  if (w == "physical") return System::physical;
  if (w == "fk4" || w == "b1950") return System::fk4;
  if (w == "fk5" || w == "j2000") return System::fk5;
  if (w == "icrs") return System::icrs;
  if (w == "galactic") return System::galactic;
  if (w == "ecliptic") return System::ecliptic;
  if (w == "wcs") return System::wcs;
  return std::nullopt;
}

bool unsupported_system(std::string_view w) {
  if (w == "linear" || w == "amplifier" || w == "detector") return true;
  return w.size() == 4 && w.starts_with("wcs") && w[3] >= 'a' && w[3] <= 'z';
}

// The text up to the character closing what `open` opened ({ } " '), or nullopt when unclosed.
std::optional<std::size_t> closing(std::string_view s, std::size_t open) {
  char const want = s[open] == '{' ? '}' : s[open];
  auto end = s.find(want, open + 1);
  if (end == std::string_view::npos) return std::nullopt;
  return end;
}

struct Properties {
  std::optional<std::string> color, text, point_shape;
};

// key=value pairs after '#' (or on a global line); values are words, {...}, "..." or '...'. Words
// without '=' (background, source, free comments) and unknown keys are ignored: none of them
// changes what the region is.
Properties properties(std::string_view s) {
  Properties p;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (is_space(s[i]) || s[i] == '|')) ++i;
    if (i >= s.size()) break;
    std::size_t const k = i;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
    std::string const key = lower(s.substr(k, i - k));
    if (i >= s.size() || s[i] != '=' || key.empty()) {
      // Not a key: skip a word, or a quoted/braced stretch as a whole.
      if (i == k) {
        if (s[i] == '{' || s[i] == '"' || s[i] == '\'') {
          auto end = closing(s, i);
          i = end ? *end + 1 : s.size();
        } else {
          ++i;
        }
      }
      continue;
    }
    ++i;  // '='
    std::string value;
    if (i < s.size() && (s[i] == '{' || s[i] == '"' || s[i] == '\'')) {
      auto end = closing(s, i);
      std::size_t const stop = end ? *end : s.size();
      value = std::string(s.substr(i + 1, stop - i - 1));
      i = end ? *end + 1 : s.size();
    } else {
      std::size_t const v = i;
      while (i < s.size() && !is_space(s[i])) ++i;
      value = std::string(s.substr(v, i - v));
    }
    if (key == "color") p.color = value;
    if (key == "text") p.text = value;
    if (key == "point") p.point_shape = lower(value);
  }
  return p;
}

enum class Role { lon, lat, size, angle };

bool equatorial(System s) {
  return s == System::fk4 || s == System::fk5 || s == System::icrs || s == System::wcs;
}

// One argument, read for its role in the current system. nullopt = not a number DS9 would take.
std::optional<Value> value_of(std::string_view tok, Role role, System system) {
  if (tok.empty()) return std::nullopt;
  double v = 0;
  bool hours = false;
  if (role == Role::lon || role == Role::lat || role == Role::angle) {
    if (parse_sexagesimal(tok, v, hours)) {
      if (role == Role::angle) return Value{v, Unit::none};
      if (hours && role == Role::lat) return std::nullopt;
      // h:m:s for the longitude of an equatorial system; d:m:s otherwise.
      bool const in_hours = hours || (role == Role::lon && equatorial(system) && tok.find(':') != tok.npos);
      return Value{in_hours ? v * 15 : v, Unit::degrees};
    }
  }
  char const last = tok.back();
  Unit unit = Unit::none;
  double scale = 1;
  switch (last) {
    case '"':
      unit = Unit::arcsec;
      break;
    case '\'':
      unit = Unit::arcmin;
      break;
    case 'd':
    case 'D':
      unit = Unit::degrees;
      break;
    case 'r':
    case 'R':
      unit = Unit::degrees;
      scale = 180 / std::numbers::pi;
      break;
    case 'i':
    case 'I':
      unit = Unit::image;
      break;
    case 'p':
    case 'P':
      unit = Unit::physical;
      break;
    default:
      break;
  }
  if (unit != Unit::none) tok.remove_suffix(1);
  auto n = number(tok);
  if (!n) return std::nullopt;
  if ((unit == Unit::arcsec || unit == Unit::arcmin) && role != Role::size) return std::nullopt;
  if (role == Role::angle) {
    if (unit != Unit::none && unit != Unit::degrees) return std::nullopt;
    return Value{*n * scale, Unit::none};
  }
  return Value{*n * scale, unit};
}

// Splits the arguments (between the parentheses, or up to ';' or '#') at commas and blanks,
// keeping {...} and quoted strings whole.
std::vector<std::string_view> split_args(std::string_view s, std::size_t max_args) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size() && out.size() <= max_args) {
    while (i < s.size() && (is_space(s[i]) || s[i] == ',')) ++i;
    if (i >= s.size()) break;
    std::size_t const start = i;
    if (s[i] == '{' || s[i] == '"' || s[i] == '\'') {
      auto end = closing(s, i);
      i = end ? *end + 1 : s.size();
    } else {
      while (i < s.size() && !is_space(s[i]) && s[i] != ',') ++i;
    }
    out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::string unbraced(std::string_view t) {
  if (t.size() >= 2 && (t.front() == '{' || t.front() == '"' || t.front() == '\'')) {
    t.remove_prefix(1);
    t.remove_suffix(1);
  }
  return std::string(t);
}

struct State {
  System system = System::physical;  // DS9's default when a file names none
  bool explicit_system = false;
  std::string unsupported;  // a coordinate system we do not read, in force
  bool in_composite = false;
};

class LineReader {
 public:
  LineReader(std::string_view line, int number, State& st, RegionFile& out, RegionLimits const& lim)
      : s_(line), line_(number), st_(st), out_(out), lim_(lim) {}

  // Reads every command and region on the line.
  void run() {
    while (true) {
      while (i_ < s_.size() && (is_space(s_[i_]) || s_[i_] == ';')) ++i_;
      if (i_ >= s_.size()) return;
      if (s_[i_] == '#') {
        ++i_;
        std::size_t j = i_;
        while (j < s_.size() && is_space(s_[j])) ++j;
        std::size_t w = j;
        while (w < s_.size() && std::isalpha(static_cast<unsigned char>(s_[w]))) ++w;
        std::string const word = lower(s_.substr(j, w - j));
        std::size_t paren = w;
        while (paren < s_.size() && is_space(s_[paren])) ++paren;
        if (!contains(kHashShapes, word) || paren >= s_.size() || s_[paren] != '(') return;  // a comment
        i_ = j;
        if (!region(true)) return;
        continue;
      }
      if (!command()) return;
    }
  }

 private:
  void issue(std::string reason) {
    if (out_.skipped.size() >= kMaxIssues) {
      too_many_issues = true;
      return;
    }
    out_.skipped.push_back({line_, quoted(s_), std::move(reason)});
  }

  std::string word() {
    std::size_t const start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_')) ++i_;
    return lower(s_.substr(start, i_ - start));
  }

  // A coordinate system, "global", "tile", or a region. False: the rest of the line is done.
  bool command() {
    std::size_t const start = i_;
    if (s_[i_] == '-' || s_[i_] == '+' || s_[i_] == '!' || s_[i_] == '&' || s_[i_] == '|') {
      // An include/exclude sign, or CIAO's '&' / '|' joining shapes: read as the region that follows.
      ++i_;
      while (i_ < s_.size() && is_space(s_[i_])) ++i_;
    }
    std::size_t const word_at = i_;
    std::string const w = word();
    if (w.empty()) {
      issue(fmt::format("unexpected character '{}'", quoted(s_.substr(start, 1))));
      return false;
    }
    if (word_at == start) {
      if (w == "global") {
        auto p = properties(s_.substr(i_));
        if (p.color) out_.global_color = *p.color;
        return false;
      }
      if (auto sys = system_named(w)) {
        st_.system = *sys;
        st_.explicit_system = true;
        st_.unsupported.clear();
        return true;
      }
      if (unsupported_system(w)) {
        st_.unsupported = w;
        return true;
      }
      if (w == "tile" || w == "version") {  // "tile 2": a frame of DS9's display, not a region
        while (i_ < s_.size() && s_[i_] != ';' && s_[i_] != '#') ++i_;
        return true;
      }
    }
    i_ = start;
    return region(false);
  }

  // A region at i_ (with its sign). False: the rest of the line is done.
  bool region(bool after_hash) {
    std::size_t const start = i_;
    Region r;
    r.line = line_;
    if (s_[i_] == '-' || s_[i_] == '!') r.exclude = true;
    if (s_[i_] == '-' || s_[i_] == '+' || s_[i_] == '!' || s_[i_] == '&' || s_[i_] == '|') {
      ++i_;
      while (i_ < s_.size() && is_space(s_[i_])) ++i_;
    }
    std::string name = word();
    // The old form of points: "circle point(1,2)", "x point 1 2".
    if (contains(kPointShapes, name)) {
      std::size_t const save = i_;
      while (i_ < s_.size() && is_space(s_[i_])) ++i_;
      if (word() == "point") {
        r.point_shape = name;
        name = "point";
      } else {
        i_ = save;
      }
    }
    std::optional<Shape> shape;
    for (auto const& k : kShapes)
      if (k.name == name) shape = k.shape;
    bool const other = contains(kOtherShapes, name);
    if (!shape && !other) {
      issue(name.empty() ? "not a region" : fmt::format("unknown shape or command '{}'", quoted(name)));
      return false;
    }
    // The arguments: (...) or, in the old form, words up to ';' or '#'.
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
    std::string_view args;
    if (i_ < s_.size() && s_[i_] == '(') {
      std::size_t j = i_ + 1;
      while (j < s_.size() && s_[j] != ')') {
        // Braces, or quotes opening an argument (a quote after a number is a unit: 3.5").
        bool const at_start = s_[j - 1] == '(' || s_[j - 1] == ',' || is_space(s_[j - 1]);
        if (s_[j] == '{' || ((s_[j] == '"' || s_[j] == '\'') && at_start)) {
          auto end = closing(s_, j);
          if (!end) break;
          j = *end;
        }
        ++j;
      }
      if (j >= s_.size()) {
        issue(fmt::format("{}: no closing parenthesis", name));
        return false;
      }
      args = s_.substr(i_ + 1, j - i_ - 1);
      i_ = j + 1;
    } else {
      std::size_t j = i_;
      while (j < s_.size() && s_[j] != ';' && s_[j] != '#') {
        bool const at_start = j == i_ || s_[j - 1] == ',' || is_space(s_[j - 1]);
        if (s_[j] == '{' || ((s_[j] == '"' || s_[j] == '\'') && at_start)) {
          auto end = closing(s_, j);
          if (!end) break;
          j = *end;
        }
        ++j;
      }
      args = s_.substr(i_, std::min(j, s_.size()) - i_);
      i_ = std::min(j, s_.size());
    }
    // "||": a member of a composite follows.
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
    bool const continued = s_.substr(i_).starts_with("||");
    if (continued) i_ += 2;
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
    Properties p;
    bool rest_is_properties = after_hash || (i_ < s_.size() && s_[i_] == '#');
    if (rest_is_properties) {
      std::size_t const from = i_ < s_.size() && s_[i_] == '#' ? i_ + 1 : i_;
      p = properties(s_.substr(std::min(from, s_.size())));
    }
    r.source = quoted(s_.substr(start, rest_is_properties ? s_.size() - start : i_ - start));
    bool const member = st_.in_composite;
    if (name == "composite") {
      st_.in_composite = true;
      issue("composite region: its members are read as separate regions");
      return !rest_is_properties;
    }
    st_.in_composite = member && continued;
    if (other) {
      issue(
          fmt::format("{} regions have no annotation counterpart (point, rectangle, circle, polygon)", name));
      return !rest_is_properties;
    }
    if (!st_.unsupported.empty()) {
      issue(fmt::format("the {} coordinate system is not supported", st_.unsupported));
      return !rest_is_properties;
    }
    r.shape = *shape;
    r.system = st_.system;
    r.composite_member = member;
    if (p.color) r.color = *p.color;
    if (p.text) r.text = *p.text;
    if (p.point_shape) {
      auto ps = std::string_view(*p.point_shape);
      r.point_shape = std::string(ps.substr(0, ps.find(' ')));
    }
    if (auto why = read_values(r, args, name); !why.empty()) {
      issue(std::move(why));
      return !rest_is_properties;
    }
    if (out_.regions.size() >= lim_.max_regions) {
      too_many_regions = true;
      return false;
    }
    out_.regions.push_back(std::move(r));
    return !rest_is_properties;
  }

  // Fills r.values from the arguments; the reason when they do not fit the shape.
  std::string read_values(Region& r, std::string_view args, std::string const& name) {
    std::size_t const max_args = 2 * lim_.max_vertices + 8;
    auto tokens = split_args(args, max_args);
    if (tokens.size() > max_args) return fmt::format("{}: more than {} vertices", name, lim_.max_vertices);
    // Text given as the third argument: text(x, y, {Hello}).
    if (r.shape == Shape::text && tokens.size() == 3) {
      r.text = unbraced(tokens[2]);
      tokens.pop_back();
    }
    std::vector<Role> roles;
    switch (r.shape) {
      case Shape::circle:
        roles = {Role::lon, Role::lat, Role::size};
        if (tokens.size() > 3) return "circle with several radii (an annulus) has no annotation counterpart";
        break;
      case Shape::box:
        roles = {Role::lon, Role::lat, Role::size, Role::size, Role::angle};
        if (tokens.size() == 4) tokens.push_back("0");
        if (tokens.size() > 5) return "box annulus has no annotation counterpart";
        break;
      case Shape::ellipse:
        roles = {Role::lon, Role::lat, Role::size, Role::size, Role::angle};
        if (tokens.size() == 4) tokens.push_back("0");
        if (tokens.size() > 5) return "elliptical annulus has no annotation counterpart";
        break;
      case Shape::polygon:
        if (tokens.size() % 2 != 0) return "polygon: an odd number of coordinates";
        if (tokens.size() < 6) return "polygon: fewer than 3 vertices";
        if (tokens.size() / 2 > lim_.max_vertices)
          return fmt::format("polygon: more than {} vertices", lim_.max_vertices);
        for (std::size_t k = 0; k < tokens.size(); ++k) roles.push_back(k % 2 ? Role::lat : Role::lon);
        break;
      case Shape::point:
      case Shape::text:
        roles = {Role::lon, Role::lat};
        break;
      case Shape::line:
        roles = {Role::lon, Role::lat, Role::lon, Role::lat};
        break;
    }
    if (tokens.size() != roles.size())
      return fmt::format("{}: expected {} values, found {}", name, roles.size(), tokens.size());
    // Sexagesimal or degree-tagged positions in a file that names no sky system: DS9 reads them
    // in the image's own celestial frame.
    System system = r.system;
    if (!is_sky(system) && !st_.explicit_system) {
      auto tok = tokens[0];
      if (tok.find(':') != tok.npos || tok.find('h') != tok.npos || tok.back() == 'd') system = System::wcs;
    }
    for (std::size_t k = 0; k < tokens.size(); ++k) {
      auto v = value_of(tokens[k], roles[k], system);
      if (!v)
        return fmt::format("{}: '{}' is not a number DS9 reads here", name, quoted(tokens[k].substr(0, 40)));
      r.values.push_back(*v);
    }
    r.system = system;
    return {};
  }

  std::string_view s_;
  std::size_t i_ = 0;
  int line_;
  State& st_;
  RegionFile& out_;
  RegionLimits const& lim_;

 public:
  bool too_many_regions = false;
  bool too_many_issues = false;
};

}  // namespace

std::string_view to_string(Shape s) {
  switch (s) {
    case Shape::circle:
      return "circle";
    case Shape::box:
      return "box";
    case Shape::ellipse:
      return "ellipse";
    case Shape::polygon:
      return "polygon";
    case Shape::point:
      return "point";
    case Shape::line:
      return "line";
    case Shape::text:
      return "text";
  }
  return "point";
}

std::string_view to_string(System s) {
  switch (s) {
    case System::image:
      return "image";
    case System::physical:
      return "physical";
    case System::fk4:
      return "fk4";
    case System::fk5:
      return "fk5";
    case System::icrs:
      return "icrs";
    case System::galactic:
      return "galactic";
    case System::ecliptic:
      return "ecliptic";
    case System::wcs:
      return "wcs";
  }
  return "image";
}

bool is_sky(System s) {
  return s != System::image && s != System::physical;
}

bool parse_sexagesimal(std::string_view t, double& value, bool& hours) {
  bool negative = false;
  if (!t.empty() && (t.front() == '-' || t.front() == '+')) {
    negative = t.front() == '-';
    t.remove_prefix(1);
  }
  // Fields and their separators: A (':' | 'h' | 'd') B (':' | 'm') C ['s'].
  std::array<double, 3> f{0, 0, 0};
  int n = 0;
  bool letters = false;
  hours = false;
  std::size_t i = 0;
  while (n < 3) {
    std::size_t const start = i;
    while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.')) ++i;
    if (i == start) return false;
    auto v = number(t.substr(start, i - start));
    if (!v) return false;
    f[static_cast<std::size_t>(n++)] = *v;
    if (i >= t.size()) break;
    char const sep = t[i++];
    if (n == 1 && (sep == 'h' || sep == 'H' || sep == 'd' || sep == 'D')) {
      letters = true;
      hours = sep == 'h' || sep == 'H';
    } else if (n == 2 && (sep == 'm' || sep == 'M') && letters) {
    } else if (n == 3 && (sep == 's' || sep == 'S') && letters) {
      if (i != t.size()) return false;
      break;
    } else if (sep != ':' || letters) {
      return false;
    }
    if (i >= t.size()) break;
  }
  if (i != t.size() || n < 2) return false;
  if (f[1] >= 60 || f[2] >= 60) return false;
  value = f[0] + f[1] / 60 + f[2] / 3600;
  if (negative) value = -value;
  return true;
}

std::string ds9_color(std::string_view color) {
  std::string c = lower(trim(color));
  if (c.size() == 4 && c[0] == '#') c = {'#', c[1], c[1], c[2], c[2], c[3], c[3]};
  if (c.size() == 7 && c[0] == '#') {
    for (std::size_t i = 1; i < 7; ++i)
      if (!std::isxdigit(static_cast<unsigned char>(c[i]))) return {};
    return c;
  }
  // DS9's own names, and the Tk names people write in region files.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kNames{{
      {"white", "#ffffff"},
      {"black", "#000000"},
      {"red", "#ff0000"},
      {"green", "#00ff00"},
      {"blue", "#0000ff"},
      {"cyan", "#00ffff"},
      {"magenta", "#ff00ff"},
      {"yellow", "#ffff00"},
      {"orange", "#ffa500"},
      {"pink", "#ffc0cb"},
      {"purple", "#a020f0"},
      {"grey", "#bebebe"},
      {"gray", "#bebebe"},
      {"brown", "#a52a2a"},
      {"gold", "#ffd700"},
      {"violet", "#ee82ee"},
  }};
  for (auto const& [name, hex] : kNames)
    if (name == c) return std::string(hex);
  return {};
}

Result<RegionFile> parse_ds9(std::string_view text, RegionLimits const& limits) {
  if (text.size() > limits.max_bytes) {
    return make_error(ErrorCode::payload_too_large, "The region file is too large",
                      fmt::format("at most {} bytes", limits.max_bytes));
  }
  if (text.find('\0') != std::string_view::npos) {
    Error e = make_error(ErrorCode::validation, "Not a DS9 region file", "the file holds binary data");
    e.reason = errc::not_a_region_file.code;
    return e;
  }
  RegionFile out;
  State st;
  int number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end +
          (end < text.size() && text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n' ? 2 : 1);
    ++number;
    if (trim(line).empty()) continue;
    if (line.size() > limits.max_line) {
      if (out.skipped.size() < kMaxIssues)
        out.skipped.push_back(
            {number, quoted(line), fmt::format("line longer than {} bytes", limits.max_line)});
      continue;
    }
    LineReader reader(line, number, st, out, limits);
    reader.run();
    if (reader.too_many_regions) {
      Error e = make_error(ErrorCode::validation, "Too many regions",
                           fmt::format("at most {} regions per file", limits.max_regions));
      e.reason = errc::too_many_regions.code;
      return e;
    }
    if (reader.too_many_issues || out.skipped.size() >= kMaxIssues) {
      Error e = make_error(ErrorCode::validation, "Not a DS9 region file",
                           fmt::format("more than {} lines could not be read", kMaxIssues - 1));
      e.reason = errc::not_a_region_file.code;
      return e;
    }
  }
  return out;
}

}  // namespace astropixel::annotations
