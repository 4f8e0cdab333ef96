#include "api/link_routes.hpp"

#include <fmt/format.h>

#include <chrono>

#include "api/endpoint.hpp"
#include "api/json_body.hpp"
#include "api/tile_endpoints.hpp"

namespace astropixel::api {

namespace {

using boost::beast::http::verb;

constexpr std::int64_t kDefaultDays = 30;
constexpr std::int64_t kMaxDays = 365;

Result<std::int64_t> days_of(boost::json::object const& body) {
  auto const* v = body.if_contains("days");
  if (!v || v->is_null()) return kDefaultDays;
  if (!v->is_int64() || v->as_int64() < 1 || v->as_int64() > kMaxDays)
    return invalid_field("days", fmt::format("days must be a whole number from 1 to {}", kMaxDays));
  return v->as_int64();
}

Result<Answer> create_link(Call& call, datasets::DatasetService& ds, auth::LinkSigner const& signer) {
  auto days = days_of(call.body);
  if (!days) return days.error();
  std::string const id(call.param("id"));
  auto epoch = ds.link_epoch(call.who, id);
  if (!epoch) return epoch.error();
  auto const now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  auto link = signer.sign(id, now + *days * 86'400, *epoch);
  // Unversioned identifiers: a link outlives reprocessing; the answers name the live version.
  auto const ident = id + auth::link_suffix(link);
  auto const base = origin_of(call.request);
  return Answer::created(boost::json::object{
      {"expires_at", iso8601(link.expires_at * 1000)},
      {"iiif_manifest", fmt::format("{}/iiif/3/{}/manifest", base, ident)},
      {"iiif_image", fmt::format("{}/iiif/3/{}/info.json", base, ident)},
      {"hips", fmt::format("{}/hips/{}", base, ident)},
  });
}

Result<Answer> revoke_links(Call& call, datasets::DatasetService& ds,
                            std::function<void(std::string const&)> const& changed) {
  std::string const id(call.param("id"));
  if (auto s = ds.revoke_links(call.who, id); !s) return s.error();
  changed(id);
  return Answer::no_content();
}

}  // namespace

void add_link_routes(http::Router& router, Authenticator& authn, datasets::DatasetService& datasets,
                     std::shared_ptr<auth::LinkSigner const> signer,
                     std::function<void(std::string const&)> changed) {
  auto* ds = &datasets;
  add_endpoint(
      router, authn,
      {.method = verb::post,
       .pattern = "/api/datasets/{id}/links",
       .access = Access::user,
       .body = Body::optional_json,
       .handler = [ds, signer](Call& c) { return create_link(c, *ds, *signer); },
       .doc = {.summary = "Make a link for other viewers",
               .tag = "datasets",
               .description =
                   "The owner (or an admin). The link opens this dataset's IIIF manifest, image service and "
                   "HiPS in viewers on other sites, without signing in, until it expires (days: 1 to 365, "
                   "default 30) or every link is revoked. It grants reading those answers only. Keep it "
                   "as secret as the data: whoever has it can read them",
               .body = json_body("LinkRequest"),
               .answers = {json_answer("ViewerLink", 201)},
               .errors = {404}}});
  add_endpoint(
      router, authn,
      {.method = verb::delete_,
       .pattern = "/api/datasets/{id}/links",
       .access = Access::user,
       .handler = [ds, changed = std::move(changed)](Call& c) { return revoke_links(c, *ds, changed); },
       .doc = {.summary = "Revoke every link for other viewers",
               .tag = "datasets",
               .description = "The owner (or an admin). Making the dataset private again does it too",
               .answers = {empty_answer("Revoked")},
               .errors = {404}}});
}

}  // namespace astropixel::api
