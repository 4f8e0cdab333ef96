#include "datasets/stretch_request.hpp"

#include <boost/json.hpp>
#include <cmath>

namespace astropixel::datasets {
namespace {

Error bad(std::string detail) {
  Error e = make_error(ErrorCode::validation, "Invalid stretch", std::move(detail));
  e.field = "stretch";
  return e;
}

}  // namespace

Result<pyramid::StretchOptions> parse_stretch_request(std::string_view json) {
  pyramid::StretchOptions o;
  if (json.empty()) return o;
  boost::system::error_code ec;
  auto v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return bad("not a JSON object");
  auto const& obj = v.as_object();
  if (auto const* k = obj.if_contains("kind")) {
    if (!k->is_string()) return bad("kind must be a string");
    auto kind = pyramid::parse_stretch(std::string_view(k->as_string()));
    if (!kind) return bad("kind must be linear, zscale, log, sqrt or asinh");
    o.kind = *kind;
  }
  if (auto const* c = obj.if_contains("cuts"); c && !c->is_null()) {
    if (!c->is_array() || c->as_array().size() != 2) return bad("cuts must be [low, high]");
    auto const& a = c->as_array();
    if (!a[0].is_number() || !a[1].is_number()) return bad("cuts must be numbers");
    double lo = a[0].to_number<double>(), hi = a[1].to_number<double>();
    if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi))
      return bad("cuts must be finite with low < high");
    o.cuts = std::pair(lo, hi);
  }
  return o;
}

Result<std::string> make_stretch_request(std::string_view kind,
                                         std::optional<std::pair<double, double>> cuts) {
  boost::json::object o;
  o["kind"] = kind;
  if (cuts) o["cuts"] = boost::json::array{cuts->first, cuts->second};
  auto text = boost::json::serialize(o);
  if (auto p = parse_stretch_request(text); !p) return p.error();
  return text;
}

}  // namespace astropixel::datasets
