// HiPS (ADR 0030): the files of a sky image's HiPS, for Aladin and any HiPS client, under
// /hips/{ident}/ (ident as IIIF's: the id, or id-vN while N is the live version, either with a link
// for other viewers, ADR 0038), and all of them as one archive. The dataset's access rules; public
// ones, and any through a link, open to any origin, as HiPS clients run on other sites.
#include "api/tile_endpoints.hpp"
#include "http/error_table.hpp"
#include "pyramid/hips_layout.hpp"

namespace astropixel::api {

using tiles::TileService;

namespace {

TileReply hips_file(Call& call, TileService& svc) {
  auto ident = parse_ident(call.param("ident"));
  if (!ident) co_return tile_not_found();
  auto file = pyramid::hips::served_file(call.param("rest"));
  if (!file) co_return tile_not_found();
  auto v = co_await view_of(svc, call, *ident);
  if (!v) co_return v.error();
  auto res = co_await svc.hips_file(call.request, *v, *file);
  // A public HiPS's missing tile is a 404 its client on another site must be able to read (Aladin asks
  // for tiles in view before it has the MOC); a private dataset's answers stay closed.
  if (!res && res.error().code == ErrorCode::not_found)
    res = http::error_response(res.error(), call.request.request_id, false);
  if (!res) co_return res.error();
  open_to_any_origin(*res, v->open_to_any_origin());
  co_return Answer::of(std::move(*res));
}

// The whole HiPS as one ustar archive (unpacked: a HiPS directory), streamed from the store with an
// exact length and byte ranges.
TileReply hips_archive(Call& call, TileService& svc) {
  auto ident = parse_ident(call.param("ident"));
  if (!ident) co_return tile_not_found();
  auto v = co_await view_of(svc, call, *ident);
  if (!v) co_return v.error();
  auto res = co_await svc.hips_archive(call.request, *v);
  if (!res) co_return res.error();
  co_return Answer::of(std::move(*res));
}

}  // namespace

void add_hips_routes(http::Router& router, Authenticator& authn, std::shared_ptr<TileService> svc) {
  add_endpoint(router, authn,
               {.pattern = "/hips/{ident}/{rest:path}",
                // A client pans through hundreds of tiles: never rate limited, as tiles.
                .rate_policy = "",
                .io_handler = [svc](Call& c) { return hips_file(c, *svc); },
                .doc = tile_doc(
                    "hips", "A file of a sky image's HiPS",
                    "IVOA HiPS 1.0 (ADR 0030), for Aladin and any HiPS client: rest is properties, Moc.fits, "
                    "Norder3/Allsky.{png,fits} or NorderK/DirD/NpixN.{png,fits}; ident is a dataset id, or "
                    "id-vN while N is its live version (then immutable), either followed by a link for "
                    "other viewers (~exp~sig, POST /api/datasets/{id}/links). 404 until the dataset's "
                    "pyramid.hips is ready, and for a tile the HiPS does not hold; "
                    "Access-Control-Allow-Origin * when public or through a link",
                    cached("The file", {{"text/plain"}, {"image/png"}, {"application/fits"}}))});
  auto archive =
      tile_doc("hips", "A sky image's HiPS as one tar archive",
               "Every file of the HiPS (ustar, under hips-{id}-v{n}/: unpacked, a HiPS directory), "
               "streamed with its exact length; one byte Range answers 206 (a resumable download)",
               cached("The archive", {{"application/x-tar"}}));
  archive.answers.insert(archive.answers.begin() + 1, {.status = 206,
                                                       .description = "One byte range",
                                                       .content = {{"application/x-tar"}},
                                                       .headers = {"Content-Range"}});
  add_endpoint(router, authn,
               {.pattern = "/hips/{ident}.tar",
                .io_handler = [svc](Call& c) { return hips_archive(c, *svc); },
                .doc = std::move(archive)});
}

}  // namespace astropixel::api
