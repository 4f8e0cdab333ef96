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

Error bad_number(char const* field, int max) {
  Error e =
      make_error(ErrorCode::validation, std::string(field == std::string_view("hdu") ? "HDU" : "Plane") +
                                            " must be a whole number from 0 to " + std::to_string(max));
  e.field = field;
  return e;
}

Result<std::optional<int>> whole_number(boost::json::object const& o, char const* field, int max) {
  auto const* v = o.if_contains(field);
  if (!v || v->is_null()) return std::optional<int>();
  if (v->is_int64() && v->as_int64() >= 0 && v->as_int64() <= max)
    return std::optional<int>(static_cast<int>(v->as_int64()));
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(max))
    return std::optional<int>(static_cast<int>(v->as_uint64()));
  return bad_number(field, max);
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
    if (!kind) return bad("kind must be linear, zscale, log, sqrt, asinh, squared, sinh or histeq");
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

Result<pyramid::FitsSelection> parse_fits_request(std::string_view json) {
  pyramid::FitsSelection sel;
  if (json.empty()) return sel;
  boost::system::error_code ec;
  auto v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return bad("not a JSON object");
  auto hdu = whole_number(v.as_object(), "hdu", kMaxHdu);
  if (!hdu) return hdu.error();
  auto plane = whole_number(v.as_object(), "plane", kMaxPlane);
  if (!plane) return plane.error();
  sel.hdu = hdu->value_or(-1);
  sel.plane = plane->value_or(0);
  return sel;
}

Result<std::string> change_request(std::string_view stored, RequestChange const& change) {
  boost::json::object o;
  if (!stored.empty()) {
    boost::system::error_code ec;
    auto v = boost::json::parse(stored, ec);
    if (!ec && v.is_object()) o = v.as_object();
  }
  if (change.kind || change.cuts) {
    o["kind"] = change.kind.value_or("linear");
    o.erase("cuts");
    if (change.cuts) o["cuts"] = boost::json::array{change.cuts->first, change.cuts->second};
  }
  if (change.hdu) {
    o["hdu"] = *change.hdu;
    o.erase("plane");
  }
  if (change.plane) o["plane"] = *change.plane;
  auto text = o.empty() ? std::string() : boost::json::serialize(o);
  if (auto p = parse_stretch_request(text); !p) return p.error();
  if (auto p = parse_fits_request(text); !p) return p.error();
  return text;
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
