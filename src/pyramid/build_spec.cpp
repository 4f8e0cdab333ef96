#include "pyramid/build_spec.hpp"

#include <boost/json.hpp>
#include <limits>

namespace astropixel::pyramid {
namespace {

namespace json = boost::json;

Error malformed(std::string detail) {
  return make_error(ErrorCode::bad_request, "Malformed build message", std::move(detail));
}

template <typename T>
T number(json::object const& o, std::string_view key, T fallback = {}) {
  auto const* v = o.if_contains(key);
  if (!v) return fallback;
  if (v->is_int64()) return static_cast<T>(v->as_int64());
  if (v->is_uint64()) return static_cast<T>(v->as_uint64());
  if (v->is_double()) return static_cast<T>(v->as_double());
  return fallback;
}

std::string text(json::object const& o, std::string_view key) {
  auto const* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

std::string to_json(BuildOptions const& o) {
  json::object stretch{
      {"kind", std::string(to_string(o.stretch.kind))}, {"low_percent", o.stretch.low_percent},
      {"high_percent", o.stretch.high_percent},         {"asinh_softening", o.stretch.asinh_softening},
      {"log_exponent", o.stretch.log_exponent},         {"zscale_contrast", o.stretch.zscale_contrast}};
  if (o.stretch.cuts) stretch["cuts"] = json::array{o.stretch.cuts->first, o.stretch.cuts->second};
  return json::serialize(json::object{{"format", std::string(extension(o.format))},
                                      {"quality", o.quality},
                                      {"tile_size", o.tile_size},
                                      {"max_pixels", o.max_pixels},
                                      {"threads", o.threads},
                                      {"hdu", o.fits.hdu},
                                      {"plane", o.fits.plane},
                                      {"stretch", stretch}});
}

Result<BuildOptions> build_options_from_json(std::string_view text_in) {
  boost::system::error_code ec;
  auto v = json::parse(text_in, ec);
  if (ec || !v.is_object()) return malformed("build options are not a JSON object");
  auto const& o = v.as_object();
  BuildOptions b;
  auto format = parse_tile_format(text(o, "format"));
  if (!format) return malformed("format");
  b.format = *format;
  b.quality = number<int>(o, "quality", b.quality);
  b.tile_size = number<std::uint32_t>(o, "tile_size", b.tile_size);
  b.max_pixels = number<std::uint64_t>(o, "max_pixels", b.max_pixels);
  b.threads = number<unsigned>(o, "threads", 0);
  b.fits.hdu = number<int>(o, "hdu", -1);
  b.fits.plane = number<int>(o, "plane", 0);
  if (b.quality < 1 || b.quality > 100 || b.tile_size < 64 || b.tile_size > 4096)
    return malformed("quality or tile size out of range");
  auto const* s = o.if_contains("stretch");
  if (!s || !s->is_object()) return malformed("stretch");
  auto const& so = s->as_object();
  auto kind = parse_stretch(text(so, "kind"));
  if (!kind) return malformed("stretch kind");
  b.stretch.kind = *kind;
  b.stretch.low_percent = number<double>(so, "low_percent", b.stretch.low_percent);
  b.stretch.high_percent = number<double>(so, "high_percent", b.stretch.high_percent);
  b.stretch.asinh_softening = number<double>(so, "asinh_softening", b.stretch.asinh_softening);
  b.stretch.log_exponent = number<double>(so, "log_exponent", b.stretch.log_exponent);
  b.stretch.zscale_contrast = number<double>(so, "zscale_contrast", b.stretch.zscale_contrast);
  if (auto const* c = so.if_contains("cuts"); c && c->is_array() && c->as_array().size() == 2) {
    auto const& a = c->as_array();
    if (!a[0].is_number() || !a[1].is_number()) return malformed("cuts");
    b.stretch.cuts = std::pair(a[0].to_number<double>(), a[1].to_number<double>());
  }
  return b;
}

std::string progress_line(Progress const& p) {
  return json::serialize(json::object{{"event", "progress"},
                                      {"stage", std::string(p.stage)},
                                      {"rows_done", p.rows_done},
                                      {"rows_total", p.rows_total},
                                      {"tiles", p.tiles},
                                      {"bytes", p.bytes},
                                      {"seconds", p.seconds}});
}

std::string checkpoint_line(int number, std::vector<std::uint32_t> const& tile_rows, bool preview) {
  json::array rows;
  for (auto r : tile_rows) rows.push_back(r);
  return json::serialize(
      json::object{{"event", "checkpoint"}, {"number", number}, {"tile_rows", rows}, {"preview", preview}});
}

std::string done_line(BuildResult const& r) {
  return json::serialize(json::object{{"event", "done"},
                                      {"width", r.width},
                                      {"height", r.height},
                                      {"levels", r.levels},
                                      {"tiles", r.tiles},
                                      {"bytes", r.bytes},
                                      {"seconds", r.seconds},
                                      {"format", r.source.format},
                                      {"display_bands", r.source.display_bands},
                                      {"stretch", r.source.stretch_json},
                                      {"georeference", r.source.georeference_json},
                                      {"wcs", r.source.wcs_json},
                                      {"fits", r.source.fits_json}});
}

std::string error_line(Error const& e) {
  return json::serialize(json::object{{"event", "error"},
                                      {"code", std::string(to_string(e.code))},
                                      {"reason", e.reason},
                                      {"message", e.message},
                                      {"detail", e.detail}});
}

Result<BuildEvent> parse_build_event(std::string_view line) {
  boost::system::error_code ec;
  auto v = json::parse(line, ec);
  if (ec || !v.is_object()) return malformed("not a JSON object");
  auto const& o = v.as_object();
  auto event = text(o, "event");
  BuildEvent e;
  if (event == "progress") {
    e.kind = BuildEvent::Kind::progress;
    e.progress.stage = text(o, "stage") == "statistics" ? "statistics" : "tiling";
    e.progress.rows_done = number<std::uint64_t>(o, "rows_done");
    e.progress.rows_total = number<std::uint64_t>(o, "rows_total");
    e.progress.tiles = number<std::uint64_t>(o, "tiles");
    e.progress.bytes = number<std::uint64_t>(o, "bytes");
    e.progress.seconds = number<double>(o, "seconds");
  } else if (event == "checkpoint") {
    e.kind = BuildEvent::Kind::checkpoint;
    e.checkpoint = number<int>(o, "number");
    auto const* rows = o.if_contains("tile_rows");
    // At most one entry per level (a pyramid has at most 33).
    if (!rows || !rows->is_array() || rows->as_array().size() > 64) return malformed("tile_rows");
    for (auto const& r : rows->as_array()) {
      if (!r.is_int64() || r.as_int64() < 0 || r.as_int64() > std::numeric_limits<std::uint32_t>::max())
        return malformed("tile_rows");
      e.tile_rows.push_back(static_cast<std::uint32_t>(r.as_int64()));
    }
    auto const* preview = o.if_contains("preview");
    e.preview = preview && preview->is_bool() && preview->as_bool();
  } else if (event == "done") {
    e.kind = BuildEvent::Kind::done;
    e.result.width = number<std::uint32_t>(o, "width");
    e.result.height = number<std::uint32_t>(o, "height");
    e.result.levels = number<int>(o, "levels");
    e.result.tiles = number<std::uint64_t>(o, "tiles");
    e.result.bytes = number<std::uint64_t>(o, "bytes");
    e.result.seconds = number<double>(o, "seconds");
    e.result.source.format = text(o, "format");
    e.result.source.display_bands = number<int>(o, "display_bands");
    e.result.source.stretch_json = text(o, "stretch");
    e.result.source.georeference_json = text(o, "georeference");
    e.result.source.wcs_json = text(o, "wcs");
    e.result.source.fits_json = text(o, "fits");
    e.result.source.width = e.result.width;
    e.result.source.height = e.result.height;
  } else if (event == "error") {
    e.kind = BuildEvent::Kind::error;
    auto code = text(o, "code");
    e.error.code = ErrorCode::internal;
    for (int c = 0; c <= static_cast<int>(ErrorCode::internal); ++c) {
      if (to_string(static_cast<ErrorCode>(c)) == code) e.error.code = static_cast<ErrorCode>(c);
    }
    e.error.reason = text(o, "reason");
    e.error.message = text(o, "message");
    e.error.detail = text(o, "detail");
  } else {
    return malformed("unknown event");
  }
  return e;
}

}  // namespace astropixel::pyramid
