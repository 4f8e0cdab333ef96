#include "datasets/access.hpp"

#include "datasets/dataset.hpp"

namespace astropixel::datasets {
namespace {
Error missing() {
  return make_error(ErrorCode::not_found, "Dataset not found");
}
}  // namespace

Status check_access(std::optional<auth::Principal> const& who, auth::Owned const& dataset, Need need) {
  auto s = need == Need::read ? auth::can_read(who, dataset) : auth::can_write(who, dataset);
  // The policy's own not_found is worded generally; a hidden dataset must read as a missing one.
  if (!s && s.error().code == ErrorCode::not_found) return missing();
  return s;
}

Result<auth::Owned> access(db::Connection& c, std::optional<auth::Principal> const& who,
                           std::string const& id, Need need) {
  auto r = c.query("SELECT COALESCE(owner_id, ''), visibility FROM datasets WHERE id = $1", {id});
  if (!r) return r.error();
  if (r->empty()) return missing();
  auth::Owned owned{r->text(0, 0), parse_visibility(r->text(0, 1)).value_or(auth::Visibility::private_)};
  if (auto s = check_access(who, owned, need); !s) return s.error();
  return owned;
}

}  // namespace astropixel::datasets
