// The docs of routes whose declaring files do not carry them yet (api/tile_routes.cpp and
// api/science_routes.cpp register raw routes or endpoints without a `doc`), keyed by method and
// pattern. A route that gains its own docs wins over this table; an entry that describes no
// undocumented route is reported as stale (OpenApiDocument::stale), which
// tests/integration/test_openapi.py refuses.
#include <map>
#include <utility>

#include "api/openapi.hpp"

namespace astropixel::api {

namespace {

using bhttp_verb = boost::beast::http::verb;
using Doc = http::RouteDoc;

Doc::Param version_query() {
  return {.name = "v",
          .schema = R"({"type":"integer","minimum":1})",
          .description = "The pyramid version: the answer is then immutable"};
}

std::vector<Doc::Answer> cached(std::string description, std::vector<Doc::Content> content) {
  return {{.status = 200,
           .description = std::move(description),
           .content = std::move(content),
           .headers = {"ETag", "Cache-Control"}},
          {.status = 304, .description = "Not modified (If-None-Match)"}};
}

std::vector<Doc::Content> images() {
  return {{"image/jpeg"}, {"image/png"}, {"image/webp"}};
}

// Tiles and descriptors: anyone who may see the dataset (public, or its owner by cookie or bearer);
// a dataset the caller may not see is 404 like a missing one.
Doc tile_doc(std::string summary, std::string description, std::vector<Doc::Answer> answers) {
  return {.summary = std::move(summary),
          .tag = "tiles",
          .description = std::move(description),
          .answers = std::move(answers),
          .errors = {400, 404}};
}

std::map<std::pair<bhttp_verb, std::string>, Doc> const& table() {
  static auto const* docs = [] {
    auto* m = new std::map<std::pair<bhttp_verb, std::string>, Doc>;
    auto add = [m](std::string pattern, Doc doc) {
      (*m)[{bhttp_verb::get, std::move(pattern)}] = std::move(doc);
    };
    for (std::string v : {"", "/v{version:int}"}) {
      std::string const base = "/api/datasets/{id}" + v;
      std::string const which = v.empty() ? " (current version)" : " (one version, immutable)";
      add(base + "/image.dzi", tile_doc("Deep Zoom descriptor" + which, "The DZI XML OpenSeadragon opens",
                                        cached("The descriptor", {{"application/xml"}})));
      add(base + "/image_files/{level:int}/{col:int}_{row:int}.{fmt}",
          tile_doc("Deep Zoom tile" + which, "fmt is the pyramid's tile format (jpg, png or webp)",
                   cached("The tile", images())));
      add(base + "/preview", tile_doc("Preview image" + which, "The whole image, 512 px on its long side",
                                      cached("The preview", images())));
      add(base + "/fits-header",
          tile_doc("FITS headers" + which, "404 when the dataset is not FITS",
                   cached("The primary and image headers", {{"application/json", "FitsHeader"}})));
      Doc live = tile_doc("Live display tile" + which,
                          "A Deep Zoom tile rendered from the data pyramid of original values with the "
                          "stretch and cuts given; 404 no_data_pyramid for datasets without one",
                          cached("The tile", {{"image/png"}}));
      live.tag = "science";
      live.query = {
          {.name = "stretch", .schema = R"({"$ref":"#/components/schemas/StretchName"})"},
          {.name = "lo",
           .schema = R"({"type":"number"})",
           .description = "Data value shown black",
           .required = true},
          {.name = "hi",
           .schema = R"({"type":"number"})",
           .description = "Data value shown white",
           .required = true},
          {.name = "cmap",
           .schema = R"({"type":"string","default":"grey"})",
           .description = "Colour map: grey, heat, cool, rainbow, viridis, inferno, or NAME_r (inverted)"},
      };
      add(base + "/live/{level:int}/{col:int}_{row:int}.png", std::move(live));
    }
    Doc xyz = tile_doc("XYZ tile", "z = 0 is the whole image in one tile; x column, y row from the top",
                       cached("The tile", images()));
    xyz.query = {version_query()};
    add("/api/tiles/{id}/{z:int}/{x:int}/{y:int}.{fmt}", std::move(xyz));
    Doc pixels = tile_doc("Original pixel values around a position",
                          "The odd size × size window centred on full-resolution pixel (x, y), 0-based "
                          "from the top-left; null for blank pixels and outside the image. Mono data from "
                          "its data pyramid; colour and 8-bit images from the band values kept at build "
                          "time (one number per band, `bands` names them; ADR 0031)",
                          {{.status = 200, .content = {{"application/json", "Pixels"}}}});
    pixels.tag = "science";
    pixels.query = {
        {.name = "x", .schema = R"({"type":"integer"})", .required = true},
        {.name = "y", .schema = R"({"type":"integer"})", .required = true},
        {.name = "size", .schema = R"({"type":"integer","minimum":1,"maximum":21,"default":5})"},
    };
    add("/api/datasets/{id}/pixels", std::move(pixels));
    std::string const ident = "A dataset id, or id-vN for one pyramid version";
    Doc info = tile_doc("IIIF Image API 3.0 info.json", ident,
                        cached("The image information (level 2)", {{"application/json", "IiifInfo"}}));
    info.tag = "iiif";
    add("/iiif/3/{ident}/info.json", std::move(info));
    Doc base = tile_doc("IIIF base URI", ident,
                        {{.status = 303, .description = "See info.json", .headers = {"Location"}}});
    base.tag = "iiif";
    add("/iiif/3/{ident}", std::move(base));
    Doc image =
        tile_doc("IIIF image request",
                 "Any region (full, square, x,y,w,h, pct:), size (max, w,, ,h, pct:n, w,h, !w,h, ^), "
                 "rotation 0/90/180/270 with ! mirroring, quality default/color/gray/bitonal, format "
                 "jpg/png/webp/tif",
                 cached("The image", {{"image/jpeg"}, {"image/png"}, {"image/webp"}, {"image/tiff"}}));
    image.tag = "iiif";
    add("/iiif/3/{ident}/{region}/{size}/{rotation}/{quality}.{format}", std::move(image));
    Doc hips = tile_doc(
        "A file of a sky image's HiPS",
        "IVOA HiPS 1.0 (ADR 0030), for Aladin and any HiPS client: rest is properties, Moc.fits, "
        "Norder3/Allsky.{png,fits} or NorderK/DirD/NpixN.{png,fits}; ident is a dataset id, or id-vN while N "
        "is its live version (then immutable). 404 until the dataset's pyramid.hips is ready, and for a "
        "tile the HiPS does not hold; Access-Control-Allow-Origin * when public",
        cached("The file", {{"text/plain"}, {"image/png"}, {"application/fits"}}));
    hips.tag = "hips";
    add("/hips/{ident}/{rest:path}", std::move(hips));
    Doc archive =
        tile_doc("A sky image's HiPS as one tar archive",
                 "Every file of the HiPS (ustar, under hips-{id}-v{n}/: unpacked, a HiPS directory), "
                 "streamed with its exact length; one byte Range answers 206 (a resumable download)",
                 cached("The archive", {{"application/x-tar"}}));
    archive.tag = "hips";
    archive.answers.insert(archive.answers.begin() + 1, {.status = 206,
                                                         .description = "One byte range",
                                                         .content = {{"application/x-tar"}},
                                                         .headers = {"Content-Range"}});
    add("/hips/{ident}.tar", std::move(archive));
    for (std::string prefix : {"/iiif", "/tiles", "/hips"}) {
      Doc none{.summary = "Anything else under " + prefix + "/",
               .tag = "tiles",
               .description = "Always 404 in the error contract (not the web app's page)",
               .answers = {},
               .errors = {404}};
      add(prefix + "/{rest:path}", std::move(none));
    }
    return m;
  }();
  return *docs;
}

}  // namespace

http::RouteDoc const* side_doc(boost::beast::http::verb method, std::string_view pattern) {
  auto const& t = table();
  auto it = t.find({method, std::string(pattern)});
  return it == t.end() ? nullptr : &it->second;
}

std::vector<std::pair<boost::beast::http::verb, std::string>> side_doc_keys() {
  std::vector<std::pair<boost::beast::http::verb, std::string>> out;
  for (auto const& [k, _] : table()) out.push_back(k);
  return out;
}

}  // namespace astropixel::api
