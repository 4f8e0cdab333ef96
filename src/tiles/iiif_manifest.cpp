#include "tiles/iiif_manifest.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>

#include "tiles/iiif.hpp"
#include "tiles/iiif_request.hpp"

namespace astropixel::tiles::iiif {
namespace {

namespace json = boost::json;

// A language map: our own words are English; what users wrote has no known language.
json::object english(std::string_view s) {
  return json::object{{"en", json::array{json::string(s)}}};
}
json::object written(std::string_view s) {
  return json::object{{"none", json::array{json::string(plain_text(s))}}};
}

std::string iso8601(std::int64_t unix_ms) {
  auto tp = std::chrono::system_clock::time_point(std::chrono::milliseconds(unix_ms));
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(tp));
}

// Numbers in selectors: integers as integers, else at most 3 decimals (sub-pixel is noise).
std::string num(double v) {
  auto r = std::round(v * 1000) / 1000;
  return r == std::floor(r) ? fmt::format("{}", static_cast<std::int64_t>(r)) : fmt::format("{}", r);
}

json::object image_service(std::string_view service_id) {
  return json::object{{"id", service_id}, {"type", "ImageService3"}, {"profile", "level2"}};
}

// A small whole-image JPEG drawn by the image service ("!256,256": fits, never upscaled).
json::array thumbnail(std::string_view service_id, std::uint32_t width, std::uint32_t height) {
  auto fit = parse_image_request(width, height, kLimits, "full", "!256,256", "0", "default", "jpg");
  if (!fit) return {};
  return json::array{json::object{{"id", fmt::format("{}/full/!256,256/0/default.jpg", service_id)},
                                  {"type", "Image"},
                                  {"format", "image/jpeg"},
                                  {"width", fit->width},
                                  {"height", fit->height},
                                  {"service", json::array{image_service(service_id)}}}};
}

std::string prefix(std::string_view base, std::string_view ident) {
  return fmt::format("{}/iiif/3/{}", base, ident);
}

std::string canvas_id(std::string_view base, std::string_view ident) {
  return prefix(base, ident) + "/canvas/1";
}

std::string page_id(std::string_view base, std::string_view ident, int page) {
  return fmt::format("{}/annotations/{}", prefix(base, ident), page);
}

// Integer box for a media fragment (xywh is integers): the smallest one that covers the shape.
struct Box {
  std::int64_t x, y, w, h;
};
Box cover(double x0, double y0, double x1, double y1) {
  auto x = static_cast<std::int64_t>(std::floor(x0)), y = static_cast<std::int64_t>(std::floor(y0));
  auto w = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(x1)) - x);
  auto h = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(y1)) - y);
  return {std::max<std::int64_t>(0, x), std::max<std::int64_t>(0, y), w, h};
}

std::string xywh(Box b) {
  return fmt::format("xywh={},{},{},{}", b.x, b.y, b.w, b.h);
}

// SVG selectors hold one <path>: the element every viewer draws (Mirador draws paths only).
std::string path(std::string_view d, std::string_view stroke) {
  return fmt::format("<path d=\"{}\" fill=\"none\"{}/>", d, stroke);
}

// A point is drawn as a small circle (viewers draw SVG selectors, few draw PointSelector).
constexpr double kPointRadius = 4;

json::value target(std::string_view canvas, ShapeAnnotation const& a) {
  using Shape = ShapeAnnotation::Shape;
  if (a.shape == Shape::rectangle)
    return json::string(fmt::format("{}#{}", canvas, xywh(cover(a.x, a.y, a.x + a.width, a.y + a.height))));
  std::string stroke = a.color.empty() ? "" : fmt::format(" stroke=\"{}\"", a.color);
  std::string svg;
  Box box{};
  json::array selectors;
  if (a.shape == Shape::polygon) {
    std::string d;
    double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
    for (auto const& [px, py] : a.points) {
      d += fmt::format("{}{},{} ", d.empty() ? "M" : "L", num(px), num(py));
      x0 = std::min(x0, px), y0 = std::min(y0, py), x1 = std::max(x1, px), y1 = std::max(y1, py);
    }
    if (a.points.empty()) x0 = y0 = x1 = y1 = 0;
    box = cover(x0, y0, x1, y1);
    svg = path(d + "Z", stroke);
  } else {
    double r = a.shape == Shape::circle ? a.radius : kPointRadius;
    box = cover(a.x - r, a.y - r, a.x + r, a.y + r);
    // A circle as two half-circle arcs.
    svg = path(fmt::format("M{},{} A{},{} 0 1,0 {},{} A{},{} 0 1,0 {},{} Z", num(a.x - r), num(a.y), num(r),
                           num(r), num(a.x + r), num(a.y), num(r), num(r), num(a.x - r), num(a.y)),
               stroke);
    if (a.shape == Shape::point)
      selectors.push_back(json::object{{"type", "PointSelector"}, {"x", a.x}, {"y", a.y}});
  }
  selectors.push_back(
      json::object{{"type", "SvgSelector"},
                   {"value", fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\">{}</svg>", svg)}});
  selectors.push_back(json::object{{"type", "FragmentSelector"},
                                   {"conformsTo", "http://www.w3.org/TR/media-frags/"},
                                   {"value", xywh(box)}});
  return json::object{{"type", "SpecificResource"},
                      {"source", json::object{{"id", canvas}, {"type", "Canvas"}}},
                      {"selector", std::move(selectors)}};
}

json::object web_annotation(std::string_view base, std::string_view ident, ShapeAnnotation const& a) {
  json::object o{{"id", fmt::format("{}/annotation/{}", prefix(base, ident), a.id)},
                 {"type", "Annotation"},
                 {"motivation", "commenting"},
                 {"body", json::object{{"type", "TextualBody"}, {"value", a.text}, {"format", "text/plain"}}},
                 {"target", target(canvas_id(base, ident), a)}};
  if (a.created_at) o["created"] = iso8601(a.created_at);
  if (a.updated_at) o["modified"] = iso8601(a.updated_at);
  return o;
}

json::object annotation_page(std::string_view base, std::string_view ident, int page,
                             std::vector<ShapeAnnotation> const& items) {
  json::array out;
  out.reserve(items.size());
  for (auto const& a : items) out.push_back(web_annotation(base, ident, a));
  return json::object{
      {"id", page_id(base, ident, page)}, {"type", "AnnotationPage"}, {"items", std::move(out)}};
}

json::object manifest_ref(std::string_view base, CollectionItem const& item) {
  json::object o{
      {"id", manifest_url(base, item.dataset_id)}, {"type", "Manifest"}, {"label", written(item.label)}};
  auto t = thumbnail(item.service_id, item.width, item.height);
  if (!t.empty()) o["thumbnail"] = std::move(t);
  return o;
}

}  // namespace

std::string plain_text(std::string_view s) {
  if (s.size() < 2 || s.front() != '<' || s.back() != '>') return std::string(s);
  std::string html = "<span>";
  for (char c : s) {
    switch (c) {
      case '<':
        html += "&lt;";
        break;
      case '>':
        html += "&gt;";
        break;
      case '&':
        html += "&amp;";
        break;
      default:
        html += c;
    }
  }
  return html + "</span>";
}

std::vector<MetadataEntry> dataset_metadata(datasets::Dataset const& d) {
  std::vector<MetadataEntry> out;
  std::string format = d.format;
  std::transform(format.begin(), format.end(), format.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  if (!format.empty()) out.push_back({"Format", format});
  out.push_back({"Dimensions", fmt::format("{} × {} pixels", d.width, d.height)});
  if (d.bands > 0) {
    auto sample = d.sample_format.empty() ? "" : " " + d.sample_format;
    out.push_back({"Samples", fmt::format("{} band{} of {} bits{}", d.bands, d.bands == 1 ? "" : "s",
                                          d.bit_depth, sample)});
  }
  if (!d.category.empty()) out.push_back({"Category", d.category});
  if (!d.file_name.empty()) out.push_back({"Original file", d.file_name});
  if (d.created_at) out.push_back({"Uploaded", iso8601(d.created_at)});
  boost::system::error_code ec;
  auto info = json::parse(d.pyramid_info, ec);
  if (ec || !info.is_object()) return out;
  auto const* fits = info.as_object().if_contains("fits");
  if (!fits || !fits->is_object()) return out;
  if (auto const* hdu = fits->as_object().if_contains("hdu"); hdu && hdu->is_int64())
    out.push_back({"FITS HDU", fmt::format("{}", hdu->as_int64())});
  auto const* keywords = fits->as_object().if_contains("keywords");
  if (!keywords || !keywords->is_object()) return out;
  for (auto const& [key, value] : keywords->as_object()) {
    if (value.is_string() && !value.as_string().empty())
      out.push_back({std::string(key), std::string(value.as_string())});
  }
  return out;
}

std::string manifest_url(std::string_view base, std::string_view ident) {
  return prefix(base, ident) + "/manifest";
}

std::string manifest_json(ManifestSource const& m) {
  auto canvas = canvas_id(m.base, m.ident);
  json::array metadata;
  for (auto const& e : m.metadata)
    metadata.push_back(json::object{{"label", english(e.label)}, {"value", written(e.value)}});
  json::object body{{"id", fmt::format("{}/full/max/0/default.jpg", m.service_id)},
                    {"type", "Image"},
                    {"format", "image/jpeg"},
                    {"width", m.width},
                    {"height", m.height},
                    {"service", json::array{image_service(m.service_id)}}};
  json::object painting{{"id", prefix(m.base, m.ident) + "/painting/1/image"},
                        {"type", "Annotation"},
                        {"motivation", "painting"},
                        {"body", std::move(body)},
                        {"target", canvas}};
  // The first page of annotations is embedded; the others are named, for the client to fetch.
  json::array pages;
  auto first = annotation_page(m.base, m.ident, 1, m.annotations);
  if (!m.annotations.empty()) pages.push_back(std::move(first));
  auto const page_count = (m.annotation_total + kAnnotationsPerPage - 1) / kAnnotationsPerPage;
  for (std::int64_t p = 2; p <= page_count; ++p)
    pages.push_back(
        json::object{{"id", page_id(m.base, m.ident, static_cast<int>(p))}, {"type", "AnnotationPage"}});
  json::object canvas_obj{{"id", canvas},
                          {"type", "Canvas"},
                          {"label", written(m.label)},
                          {"width", m.width},
                          {"height", m.height},
                          {"items", json::array{json::object{{"id", prefix(m.base, m.ident) + "/painting/1"},
                                                             {"type", "AnnotationPage"},
                                                             {"items", json::array{std::move(painting)}}}}}};
  if (!pages.empty()) canvas_obj["annotations"] = std::move(pages);
  json::object manifest{{"@context", kPresentationContext},
                        {"id", manifest_url(m.base, m.ident)},
                        {"type", "Manifest"},
                        {"label", written(m.label)}};
  if (!m.summary.empty()) manifest["summary"] = written(m.summary);
  if (!metadata.empty()) manifest["metadata"] = std::move(metadata);
  auto thumb = thumbnail(m.service_id, m.width, m.height);
  if (!thumb.empty()) manifest["thumbnail"] = std::move(thumb);
  if (!m.homepage.empty())
    manifest["homepage"] = json::array{json::object{
        {"id", m.homepage}, {"type", "Text"}, {"label", written(m.label)}, {"format", "text/html"}}};
  if (m.listed)
    manifest["partOf"] = json::array{json::object{{"id", collection_url(m.base, 0)}, {"type", "Collection"}}};
  manifest["items"] = json::array{std::move(canvas_obj)};
  return json::serialize(manifest);
}

std::string annotation_page_json(std::string_view base, std::string_view ident, int page,
                                 std::vector<ShapeAnnotation> const& items) {
  auto o = annotation_page(base, ident, page, items);
  json::object out{{"@context", kPresentationContext}};
  for (auto& [k, v] : o) out[k] = std::move(v);
  return json::serialize(out);
}

std::string collection_url(std::string_view base, int page) {
  return page == 0 ? fmt::format("{}/iiif/3/collection", base)
                   : fmt::format("{}/iiif/3/collection/{}", base, page);
}

std::string collection_json(std::string_view base, int page, std::int64_t total,
                            std::vector<CollectionItem> const& items) {
  json::array out;
  auto const pages = (total + kManifestsPerPage - 1) / kManifestsPerPage;
  if (page == 0 && pages > 1) {
    for (std::int64_t p = 1; p <= pages; ++p) {
      auto first = (p - 1) * kManifestsPerPage + 1, last = std::min(total, p * kManifestsPerPage);
      out.push_back(json::object{{"id", collection_url(base, static_cast<int>(p))},
                                 {"type", "Collection"},
                                 {"label", english(fmt::format("Public datasets {}–{}", first, last))}});
    }
  } else {
    for (auto const& item : items) out.push_back(manifest_ref(base, item));
  }
  json::object c{{"@context", kPresentationContext},
                 {"id", collection_url(base, page)},
                 {"type", "Collection"},
                 {"label", english(page == 0 ? std::string("Public datasets")
                                             : fmt::format("Public datasets, page {}", page))},
                 {"summary", english(fmt::format("{} public dataset{}", total, total == 1 ? "" : "s"))}};
  if (page > 0)
    c["partOf"] = json::array{json::object{{"id", collection_url(base, 0)}, {"type", "Collection"}}};
  c["items"] = std::move(out);
  return json::serialize(c);
}

}  // namespace astropixel::tiles::iiif
