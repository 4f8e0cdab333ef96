#include "api/cutout_routes.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

#include "api/download_routes.hpp"
#include "api/endpoint.hpp"
#include "core/error_catalogue.hpp"
#include "core/process_stats.hpp"
#include "pyramid/cutout.hpp"
#include "tiles/tile_service.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;

namespace {

// Far beyond any image (the pixel limit is 2^40 at most) and far from overflowing x + w.
constexpr std::int64_t kFar = std::int64_t{1} << 40;

Result<std::int64_t> int_param(Call const& call, std::string_view name, std::int64_t lo, std::int64_t hi) {
  auto v = call.query(name);
  std::int64_t out = 0;
  if (v) {
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    if (ec == std::errc() && p == v->data() + v->size() && out >= lo && out <= hi) return out;
  }
  Error e = make_error(ErrorCode::validation,
                       v ? fmt::format("{} must be a whole number from {} to {}", name, lo, hi)
                         : fmt::format("{} is required", name));
  e.field = std::string(name);
  return e;
}

// An unlinked file in `dir`, open for reading and writing; closed with its last holder.
Result<std::shared_ptr<int const>> scratch_file(std::filesystem::path const& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    // File systems without O_TMPFILE: a named file, unlinked at once.
    std::string name = (dir / "cutout-XXXXXX").string();
    fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd >= 0) ::unlink(name.c_str());
  }
  if (fd < 0) {
    return make_error(ErrorCode::internal, "The cut-out could not be written",
                      fmt::format("scratch file in {}: {}", dir.string(), std::strerror(errno)));
  }
  return std::shared_ptr<int const>(new int(fd), [](int const* p) {
    ::close(*p);
    delete p;
  });
}

// "m31-cutout-100-200-512x512.fits": the uploaded file's name without its extension(s).
std::string file_name(std::string_view uploaded, std::string_view id, pyramid::CutoutRect const& r,
                      pyramid::CutoutFormat f) {
  std::string_view stem = uploaded;
  if (auto slash = stem.find_last_of("/\\"); slash != std::string_view::npos) stem = stem.substr(slash + 1);
  // "image.fits.gz" → "image": a compression suffix is not the format either.
  for (int i = 0; i < 2; ++i) {
    if (auto dot = stem.find_last_of('.'); dot != std::string_view::npos && dot > 0)
      stem = stem.substr(0, dot);
  }
  if (stem.empty()) stem = id;
  return fmt::format("{}-cutout-{}-{}-{}x{}.{}", stem, r.x, r.y, r.width, r.height, pyramid::extension(f));
}

Result<Answer> cutout(Call& call, tiles::TileDirectory& directory, datasets::DatasetService& datasets,
                      CutoutOptions const& options) {
  std::optional<std::int64_t> version;
  for (auto const& [k, v] : call.request.params) {
    if (k == "version") version = call.request.param_int("version");
  }
  std::string const id(call.param("id"));
  auto v = tiles::resolve_view(directory, call.who, id, version);
  if (!v) return v.error();
  auto const& pack = v->pack();
  auto const& g = pack.geometry();

  auto format = pyramid::parse_cutout_format(call.query("format").value_or("png"));
  if (!format) return format.error();
  auto x = int_param(call, "x", -kFar, kFar);
  if (!x) return x.error();
  auto y = int_param(call, "y", -kFar, kFar);
  if (!y) return y.error();
  auto w = int_param(call, "w", 1, kFar);
  if (!w) return w.error();
  auto h = int_param(call, "h", 1, kFar);
  if (!h) return h.error();
  // Clipped to the image: the viewer asks for what is on screen, which may reach past the edges.
  std::int64_t const x0 = std::max<std::int64_t>(*x, 0), y0 = std::max<std::int64_t>(*y, 0);
  std::int64_t const x1 = std::min<std::int64_t>(*x + *w, g.width());
  std::int64_t const y1 = std::min<std::int64_t>(*y + *h, g.height());
  if (x1 <= x0 || y1 <= y0) {
    return make_error(errc::cutout_outside_image,
                      fmt::format("The rectangle {},{} {}×{} lies outside the image of {} × {} pixels", *x,
                                  *y, *w, *h, g.width(), g.height()));
  }
  pyramid::CutoutRect const rect{static_cast<std::uint32_t>(x0), static_cast<std::uint32_t>(y0),
                                 static_cast<std::uint32_t>(x1 - x0), static_cast<std::uint32_t>(y1 - y0)};
  std::uint64_t const area = std::uint64_t{rect.width} * rect.height;
  if (area > options.max_pixels) {
    return make_error(errc::cutout_too_large,
                      fmt::format("The cut-out would be {} × {} = {} pixels; at most {} are cut out at once",
                                  rect.width, rect.height, area, options.max_pixels),
                      "Zoom in, or ask for a smaller rectangle");
  }
  if (*format == pyramid::CutoutFormat::fits && !pack.has_data()) {
    return make_error(
        errc::cutout_needs_original_values,
        "FITS cut-outs need the original values, which only 16-bit, float and FITS datasets keep",
        "Download PNG or TIFF, or the original file");
  }

  http::Response res;
  auto what = fmt::format("cutout.{}.{}.{}.{}.{}", rect.x, rect.y, rect.width, rect.height,
                          pyramid::extension(*format));
  auto d = datasets.get(call.who, id);
  res.headers.set(bhttp::field::content_disposition,
                  attachment_disposition(file_name(d ? d->file_name : std::string(), id, rect, *format),
                                         fmt::format("cutout.{}", pyramid::extension(*format))));
  res.headers.set(bhttp::field::content_type, pyramid::media_type(*format));
  res.headers.set("X-Content-Type-Options", "nosniff");
  if (tiles::TileService::not_modified(call.request, res, *v, what)) return Answer::of(std::move(res));

  // At most 4 bytes per pixel (RGBA, float) plus headers: refuse before filling the disk.
  std::uint64_t const bound = area * 4 + (1u << 20);
  if (auto free = free_disk_bytes(options.scratch_dir.c_str());
      free && *free < bound + options.disk_reserve_bytes) {
    return make_error(
        errc::insufficient_disk_space,
        fmt::format("A cut-out of {} pixels needs up to {} bytes of scratch space", area, bound));
  }
  auto fd = scratch_file(options.scratch_dir);
  if (!fd) return fd.error();
  auto history = fmt::format(
      "AstroPixel cut-out of dataset {} v{}: x {} y {} (0-based from the top-left), {} x {} of {} x {} "
      "pixels",
      id, v->entry->version, rect.x, rect.y, rect.width, rect.height, g.width(), g.height());
  if (auto s = pyramid::write_cutout(pack, rect, *format, **fd, history); !s) return s.error();
  struct stat st {};
  if (::fstat(**fd, &st) != 0) return make_error(ErrorCode::internal, "The cut-out could not be written");
  // Sent with pread as a static file is: the I/O thread never decodes a tile.
  res.file = http::FileRange{.fd = *fd, .offset = 0, .length = static_cast<std::uint64_t>(st.st_size)};
  return Answer::of(std::move(res));
}

}  // namespace

void add_cutout_routes(http::Router& router, Authenticator& authn, tiles::TileDirectory& directory,
                       datasets::DatasetService& datasets, CutoutOptions options) {
  auto* dir = &directory;
  auto* ds = &datasets;
  auto opts = std::make_shared<CutoutOptions const>(std::move(options));
  auto const max = opts->max_pixels;
  for (auto const* prefix : {"/api/datasets/{id}", "/api/datasets/{id}/v{version:int}"}) {
    add_endpoint(
        router, authn,
        {.method = bhttp::verb::get,
         .pattern = std::string(prefix) + "/cutout",
         .handler = [dir, ds, opts](Call& c) { return cutout(c, *dir, *ds, *opts); },
         .doc = {
             .summary = "A rectangle of the full-resolution image as PNG, TIFF or FITS",
             .tag = "datasets",
             .description = fmt::format(
                 "x, y, w, h in full-resolution pixels (x right, y down from the top-left, 0-based); a "
                 "rectangle reaching past the image is clipped to it, one wholly outside is 400 "
                 "cutout_outside_image, more than {} pixels after clipping 422 cutout_too_large. PNG and "
                 "TIFF hold the display pixels (8-bit, grey or RGB, alpha where the pyramid has it); FITS "
                 "the original values as BITPIX -32 (NaN for blanks) with the source's header and its WCS "
                 "moved to the rectangle, only for datasets with a data pyramid (else 422 "
                 "cutout_needs_original_values). An attachment; 404 when absent or not visible to the "
                 "caller",
                 max),
             .query = {{.name = "x",
                        .schema = R"({"type":"integer"})",
                        .description = "Left edge, full-resolution pixels from the left",
                        .required = true},
                       {.name = "y",
                        .schema = R"({"type":"integer"})",
                        .description = "Top edge, full-resolution pixels from the top",
                        .required = true},
                       {.name = "w",
                        .schema = R"({"type":"integer","minimum":1})",
                        .description = "Width in pixels",
                        .required = true},
                       {.name = "h",
                        .schema = R"({"type":"integer","minimum":1})",
                        .description = "Height in pixels",
                        .required = true},
                       {.name = "format",
                        .schema = R"({"type":"string","enum":["png","tiff","tif","fits"],"default":"png"})",
                        .description = "File format"}},
             .answers = {{.status = 200,
                          .description = "The cut-out",
                          .content = {{"image/png", ""}, {"image/tiff", ""}, {"application/fits", ""}},
                          .headers = {"ETag", "Cache-Control", "Content-Disposition"}},
                         {.status = 304, .description = "Not modified (If-None-Match)"}},
             .errors = {400, 404, 422, 507}}});
  }
}

}  // namespace astropixel::api
