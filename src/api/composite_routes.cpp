#include "api/composite_routes.hpp"

#include <fmt/format.h>

#include <memory>

#include "api/dataset_routes.hpp"
#include "api/endpoint.hpp"
#include "api/json_body.hpp"
#include "core/error_catalogue.hpp"

namespace astropixel::api {
namespace {

Error missing(std::string field) {
  Error e = make_error(errc::missing_field, fmt::format("{} is required", field));
  e.field = std::move(field);
  return e;
}

Result<double> number(boost::json::object const& o, std::string_view key, std::string const& at,
                      ErrorSpec const& wrong, std::optional<double> fallback = std::nullopt) {
  auto const* v = o.if_contains(key);
  auto const field = fmt::format("{}.{}", at, key);
  if (!v || v->is_null()) {
    if (fallback) return *fallback;
    return missing(field);
  }
  if (!v->is_number()) {
    Error e = make_error(wrong, fmt::format("{} must be a number", field));
    e.field = field;
    return e;
  }
  return v->to_number<double>();
}

Result<Answer> create_composite(Call& call, datasets::DatasetService& ds, CompositeLimits const& limits) {
  auto request = composite_request(call.body);
  if (!request) return request.error();
  auto d = ds.create_composite(call.who, *request, limits.admit_storage);
  if (!d) return d.error();
  return Answer::accepted(dataset_json(*d, call.who));
}

}  // namespace

Result<datasets::CompositeRequest> composite_request(boost::json::object const& body) {
  datasets::CompositeRequest r;
  auto name = required_string(body, "name");
  if (!name) return name.error();
  r.name = std::move(*name);
  auto description = optional_string(body, "description");
  if (!description) return description.error();
  r.description = description->value_or("");
  if (auto const* c = body.if_contains("confirm_alignment"); c && !c->is_null()) {
    if (!c->is_bool()) return invalid_field("confirm_alignment", "confirm_alignment must be true or false");
    r.confirm_alignment = c->as_bool();
  }
  auto const* channels = body.if_contains("channels");
  if (!channels || channels->is_null()) return missing("channels");
  if (!channels->is_array() || channels->as_array().size() != 3)
    return invalid_field("channels", "channels must be three objects: red, green and blue");
  for (std::size_t i = 0; i < 3; ++i) {
    auto const at = fmt::format("channels[{}]", i);
    auto const& v = channels->as_array()[i];
    if (!v.is_object()) return invalid_field(at, at + " must be an object");
    auto const& o = v.as_object();
    auto& c = r.channels[i];
    auto id = optional_string(o, "dataset_id");
    if (!id) return id.error();
    if (!*id) return missing(at + ".dataset_id");
    c.dataset_id = std::move(**id);
    auto stretch = optional_string(o, "stretch");
    if (!stretch) return stretch.error();
    c.stretch = stretch->value_or("linear");
    auto lo = number(o, "lo", at, errc::invalid_cuts);
    if (!lo) return lo.error();
    auto hi = number(o, "hi", at, errc::invalid_cuts);
    if (!hi) return hi.error();
    auto weight = number(o, "weight", at, errc::invalid_weight, 1.0);
    if (!weight) return weight.error();
    c.lo = *lo, c.hi = *hi, c.weight = *weight;
  }
  return r;
}

void add_composite_routes(http::Router& router, Authenticator& authn, datasets::DatasetService& datasets,
                          CompositeLimits limits) {
  auto* ds = &datasets;
  auto shared = std::make_shared<CompositeLimits const>(std::move(limits));
  add_endpoint(
      router, authn,
      {.method = boost::beast::http::verb::post,
       .pattern = "/api/composites",
       .access = Access::user,
       .body = Body::json,
       .handler = [ds, shared](Call& c) { return create_composite(c, *ds, *shared); },
       .doc = {.summary = "Make a colour composite of three single-band datasets",
               .tag = "datasets",
               .description =
                   "Red, green and blue from three datasets the caller may read that have original values "
                   "(16-bit, float or FITS, one band), each mapped through its own stretch and cuts as the "
                   "live display does and scaled by its weight. They must share a pixel grid: the same size, "
                   "and the same celestial WCS within 0.1 pixel when all three have one; without a WCS on "
                   "some, confirm_alignment must be true. Answers the new dataset (pending, the caller's, "
                   "private); it builds like an upload, and counts against the storage quota with its "
                   "uncompressed size (403 quota_exceeded). A channel the caller may not see is 404 like a "
                   "missing one",
               .body = json_body("CompositeRequest"),
               .answers = {json_answer("Dataset", 202)},
               .errors = {403, 404, 422}}});
}

}  // namespace astropixel::api
