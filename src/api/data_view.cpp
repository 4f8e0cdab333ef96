#include "api/data_view.hpp"

#include <boost/json.hpp>

#include "core/error_catalogue.hpp"
#include "pyramid/data_tile.hpp"

namespace astropixel::api {

Result<tiles::View> resolve_call_view(tiles::TileDirectory& directory, Call const& call) {
  std::optional<std::int64_t> version;
  for (auto const& [k, v] : call.request.params) {
    if (k == "version") version = call.request.param_int("version");
  }
  return tiles::resolve_view(directory, call.who, std::string(call.param("id")), version);
}

Result<tiles::View> resolve_data_view(tiles::TileDirectory& directory, Call const& call) {
  auto v = resolve_call_view(directory, call);
  if (!v) return v.error();
  if (!v->pack().has_data()) return make_error(errc::no_data_pyramid);
  return v;
}

pyramid::DataTileReader full_resolution_values(tiles::View const& view) {
  return [&pack = view.pack()](std::uint32_t col,
                               std::uint32_t row) -> Result<std::shared_ptr<std::vector<float> const>> {
    auto const& g = pack.geometry();
    int const top = g.max_level();
    auto bytes = pack.data_tile(top, col, row);
    if (!bytes) return bytes.error();
    auto rect = g.tile(top, col, row);
    auto values = pyramid::decode_data_tile(*bytes, rect.width, rect.height);
    if (!values) return values.error();
    return std::make_shared<std::vector<float> const>(std::move(*values));
  };
}

std::optional<std::string> bunit_of(pyramid::PackReader const& pack) {
  boost::system::error_code ec;
  auto meta = boost::json::parse(pack.info().metadata_json, ec);
  if (ec || !meta.is_object()) return std::nullopt;
  auto const* fits = meta.as_object().if_contains("fits");
  if (!fits || !fits->is_object()) return std::nullopt;
  auto const* keywords = fits->as_object().if_contains("keywords");
  if (!keywords || !keywords->is_object()) return std::nullopt;
  auto const* bunit = keywords->as_object().if_contains("BUNIT");
  if (!bunit || !bunit->is_string()) return std::nullopt;
  return std::string(bunit->as_string());
}

}  // namespace astropixel::api
