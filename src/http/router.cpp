#include "http/router.hpp"

#include <boost/beast/http/verb.hpp>
#include <stdexcept>

namespace astropixel::http {
namespace {

bool is_integer(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::optional<std::vector<std::string>> split_path(std::string_view path) {
  if (path.empty() || path[0] != '/') return std::nullopt;
  std::vector<std::string> out;
  out.reserve(8);
  std::size_t i = 1;
  while (i <= path.size()) {
    auto end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    auto seg = percent_decode(path.substr(i, end - i), false);
    if (!seg || seg->find('/') != std::string::npos || seg->find('\0') != std::string::npos)
      return std::nullopt;
    out.push_back(std::move(*seg));
    i = end + 1;
  }
  // "/" is one empty segment; "/a/" keeps its trailing empty segment so it does not match "/a".
  return out;
}

std::vector<std::vector<Router::Part>> Router::compile(std::string_view pattern) {
  auto segments = split_path(pattern);
  if (!segments) throw std::invalid_argument("bad route pattern: " + std::string(pattern));
  std::vector<std::vector<Part>> out;
  for (std::size_t s = 0; s < segments->size(); ++s) {
    std::string_view seg = (*segments)[s];
    std::vector<Part> parts;
    std::size_t i = 0;
    while (i < seg.size()) {
      if (seg[i] == '{') {
        auto close = seg.find('}', i);
        if (close == std::string_view::npos)
          throw std::invalid_argument("unclosed '{' in " + std::string(pattern));
        std::string_view spec = seg.substr(i + 1, close - i - 1);
        Part p;
        auto colon = spec.find(':');
        p.name = std::string(spec.substr(0, colon));
        if (colon != std::string_view::npos) {
          auto type = spec.substr(colon + 1);
          if (type == "int")
            p.type = ParamType::integer;
          else if (type == "path")
            p.type = ParamType::path;
          else if (type != "str")
            throw std::invalid_argument("unknown parameter type in " + std::string(pattern));
        }
        if (!parts.empty() && !parts.back().name.empty()) {
          throw std::invalid_argument("two parameters need a literal between them: " + std::string(pattern));
        }
        if (p.type == ParamType::path && (s + 1 != segments->size() || close + 1 != seg.size() || i != 0)) {
          throw std::invalid_argument("a path parameter must be a whole, final segment: " +
                                      std::string(pattern));
        }
        parts.push_back(std::move(p));
        i = close + 1;
      } else {
        auto next = seg.find('{', i);
        if (next == std::string_view::npos) next = seg.size();
        parts.push_back(Part{std::string(seg.substr(i, next - i)), {}, ParamType::str});
        i = next;
      }
    }
    out.push_back(std::move(parts));
  }
  return out;
}

void Router::add(beast_http::verb method, std::string pattern, Handler handler, RouteOptions options) {
  auto segments = compile(pattern);
  Compiled c{Route{method, std::move(pattern), std::move(handler), std::move(options)}, {}, {}, {}};
  for (std::size_t s = 0; s < segments.size(); ++s) {
    auto const& parts = segments[s];
    if (!parts.empty() && parts[0].type == ParamType::path) {
      c.rest_at = s;
    } else if (parts.empty()) {
      c.literals.emplace_back(s, std::string());
    } else if (parts.size() == 1 && parts[0].name.empty()) {
      c.literals.emplace_back(s, parts[0].literal);
    }
  }
  c.segments = std::move(segments);
  routes_.push_back(std::move(c));
}

bool Router::match_route(Compiled const& c, std::vector<std::string> const& segments,
                         std::vector<std::pair<std::string, std::string>>& params) {
  if (c.rest_at ? segments.size() <= *c.rest_at : segments.size() != c.segments.size()) return false;
  for (auto const& [at, literal] : c.literals) {
    if (segments[at] != literal) return false;
  }
  params.clear();
  for (std::size_t s = 0; s < c.segments.size(); ++s) {
    auto const& parts = c.segments[s];
    if (!parts.empty() && parts[0].type == ParamType::path) {
      if (s >= segments.size()) return false;
      std::string rest;
      for (std::size_t k = s; k < segments.size(); ++k) {
        if (segments[k].empty() || segments[k] == "." || segments[k] == "..") return false;
        if (k > s) rest += '/';
        rest += segments[k];
      }
      params.emplace_back(parts[0].name, std::move(rest));
      return true;
    }
    if (s >= segments.size()) return false;
    std::string_view seg = segments[s];
    if (parts.empty()) {
      if (!seg.empty()) return false;
      continue;
    }
    std::size_t pos = 0;
    for (std::size_t p = 0; p < parts.size(); ++p) {
      auto const& part = parts[p];
      if (part.name.empty()) {
        if (seg.substr(pos, part.literal.size()) != part.literal) return false;
        pos += part.literal.size();
        continue;
      }
      // A parameter runs to the first occurrence of the next literal, or to the segment's end.
      std::size_t end = seg.size();
      if (p + 1 < parts.size()) {
        end = seg.find(parts[p + 1].literal, pos);
        if (end == std::string_view::npos) return false;
      }
      auto value = seg.substr(pos, end - pos);
      if (value.empty()) return false;
      if (part.type == ParamType::integer && !is_integer(value)) return false;
      params.emplace_back(part.name, std::string(value));
      pos = end;
    }
    if (pos != seg.size()) return false;
  }
  return segments.size() == c.segments.size();
}

std::vector<Route const*> Router::routes() const {
  std::vector<Route const*> out;
  out.reserve(routes_.size());
  for (auto const& c : routes_) out.push_back(&c.route);
  return out;
}

Router::Match Router::match(beast_http::verb method, std::string_view path) const {
  auto segments = split_path(path);
  if (!segments) return NotFound{};
  std::vector<std::pair<std::string, std::string>> params;
  params.reserve(6);
  std::vector<beast_http::verb> allowed;
  for (auto const& c : routes_) {
    if (!match_route(c, *segments, params)) continue;
    if (c.route.method == method ||
        (method == beast_http::verb::head && c.route.method == beast_http::verb::get)) {
      return Found{&c.route, std::move(params)};
    }
    allowed.push_back(c.route.method);
  }
  if (allowed.empty()) return NotFound{};
  std::string allow;
  auto add = [&](beast_http::verb v) {
    auto name = std::string(beast_http::to_string(v));
    if (allow.find(name) != std::string::npos) return;
    if (!allow.empty()) allow += ", ";
    allow += name;
  };
  for (auto v : allowed) {
    add(v);
    if (v == beast_http::verb::get) add(beast_http::verb::head);
  }
  return MethodNotAllowed{allow};
}

}  // namespace astropixel::http
