#include "api/openapi.hpp"

#include <algorithm>
#include <boost/beast/http/status.hpp>
#include <boost/json/parse.hpp>
#include <cctype>

#include "api/openapi_schemas.hpp"

namespace astropixel::api {

namespace bhttp = boost::beast::http;
namespace json = boost::json;

namespace {

// An enum of strings says so ("type": "string"): viewers show the type, generators make a string enum.
void type_enums(json::value& v) {
  if (auto* o = v.if_object()) {
    if (auto const* e = o->if_contains("enum"); e && e->is_array() && !o->contains("type")) {
      auto const& values = e->as_array();
      if (std::all_of(values.begin(), values.end(), [](json::value const& x) { return x.is_string(); }))
        (*o)["type"] = "string";
    }
    for (auto& [_, x] : *o) type_enums(x);
  } else if (auto* a = v.if_array()) {
    for (auto& x : *a) type_enums(x);
  }
}

json::value schema_of(std::string const& schema) {
  if (schema.empty()) return json::object{};
  if (schema.front() != '{') return json::object{{"$ref", "#/components/schemas/" + schema}};
  auto v = json::parse(schema);
  type_enums(v);
  return v;
}

json::object parameter(http::RouteDoc::Param const& p, std::string_view in) {
  json::object o{{"name", p.name}, {"in", in}, {"schema", schema_of(p.schema)}};
  if (!p.description.empty()) o["description"] = p.description;
  if (p.required || in == "path") o["required"] = true;
  return o;
}

json::object content_of(std::vector<http::RouteDoc::Content> const& content) {
  json::object out;
  for (auto const& c : content) {
    json::object media;
    if (!c.schema.empty()) media["schema"] = schema_of(c.schema);
    out[c.media_type] = std::move(media);
  }
  return out;
}

std::string phrase(int status) {
  if (status == 460) return "Checksum Mismatch (tus)";
  return std::string(bhttp::obsolete_reason(static_cast<bhttp::status>(status)));
}

json::object error_answer(std::string description) {
  return {{"description", std::move(description)},
          {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

// Who may call, as OpenAPI security requirements (alternatives): a bearer token, or the session
// cookie, which unsafe methods must pair with the CSRF header (api/authn.hpp).
json::array security_of(std::string const& security, bhttp::verb method) {
  bool const safe =
      method == bhttp::verb::get || method == bhttp::verb::head || method == bhttp::verb::options;
  json::object cookie{{"sessionCookie", json::array{}}};
  if (!safe) cookie["csrfHeader"] = json::array{};
  json::array out;
  if (security == "metrics") return {json::object{}, json::object{{"metricsToken", json::array{}}}};
  if (security == "optional") out.push_back(json::object{});
  out.push_back(json::object{{"bearerAuth", json::array{}}});
  out.push_back(std::move(cookie));
  return out;
}

std::string operation_id(bhttp::verb method, std::string_view path) {
  std::string id(bhttp::to_string(method));
  for (auto& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool sep = true;
  for (char c : path) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      if (sep) id += '_';
      id += c;
      sep = false;
    } else {
      sep = true;
    }
  }
  return id;
}

json::object operation(http::Route const& route, http::RouteDoc const& doc, OpenApiPath const& path) {
  json::object op{{"operationId", operation_id(route.method, path.path)}, {"summary", doc.summary}};
  if (!doc.tag.empty()) op["tags"] = json::array{json::value(doc.tag)};
  if (!doc.description.empty()) op["description"] = doc.description;
  json::array params;
  for (auto const& p : path.params) params.push_back(parameter(p, "path"));
  for (auto const& p : doc.query) params.push_back(parameter(p, "query"));
  for (auto const& p : doc.headers) params.push_back(parameter(p, "header"));
  if (!params.empty()) op["parameters"] = std::move(params);
  if (!doc.body.empty())
    op["requestBody"] = json::object{{"required", doc.body_required}, {"content", content_of(doc.body)}};
  json::object responses;
  for (auto const& a : doc.answers) {
    json::object r{{"description", a.description.empty() ? phrase(a.status) : a.description}};
    if (!a.content.empty()) r["content"] = content_of(a.content);
    if (!a.headers.empty()) {
      json::object headers;
      for (auto const& h : a.headers) headers[h] = json::object{{"schema", {{"type", "string"}}}};
      r["headers"] = std::move(headers);
    }
    responses[std::to_string(a.status)] = std::move(r);
  }
  for (int status : doc.errors) {
    auto key = std::to_string(status);
    if (!responses.contains(key)) responses[key] = error_answer(phrase(status));
  }
  responses["default"] = error_answer("Any other error (404, 429, 500, 503, ...), in the error contract");
  op["responses"] = std::move(responses);
  if (doc.security != "public") op["security"] = security_of(doc.security, route.method);
  return op;
}

json::object security_schemes() {
  return {
      {"bearerAuth",
       {{"type", "http"},
        {"scheme", "bearer"},
        {"bearerFormat", "JWT"},
        {"description", "The access_token of a sign-in answer"}}},
      {"sessionCookie",
       {{"type", "apiKey"},
        {"in", "cookie"},
        {"name", "ap_access"},
        {"description", "The HttpOnly session cookie a browser sign-in sets"}}},
      {"csrfHeader",
       {{"type", "apiKey"},
        {"in", "header"},
        {"name", "X-CSRF-Token"},
        {"description",
         "The ap_csrf cookie's value, required with the session cookie on POST, PUT, PATCH and DELETE"}}},
      {"metricsToken",
       {{"type", "http"},
        {"scheme", "bearer"},
        {"description", "METRICS_TOKEN, when the server is configured with one"}}},
  };
}

}  // namespace

OpenApiPath openapi_path(std::string_view pattern) {
  OpenApiPath out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] != '{') {
      out.path += pattern[i++];
      continue;
    }
    auto close = pattern.find('}', i);
    auto spec = pattern.substr(i + 1, close - i - 1);
    auto colon = spec.find(':');
    auto name = std::string(spec.substr(0, colon));
    auto type = colon == std::string_view::npos ? std::string_view("str") : spec.substr(colon + 1);
    http::RouteDoc::Param p{.name = name};
    if (type == "int") {
      p.schema = R"({"type":"integer","minimum":0})";
    } else if (type == "path") {
      p.description = "The rest of the path: one or more segments, '/' included";
    }
    out.params.push_back(std::move(p));
    out.path += "{" + name + "}";
    i = close + 1;
  }
  return out;
}

bool is_test_only(std::string_view pattern) {
  return pattern.starts_with("/api/_test/");
}

OpenApiDocument openapi_document(http::Router const& router, std::string_view version) {
  OpenApiDocument out;
  json::object paths;
  std::vector<std::string> tags;
  for (auto const* route : router.routes()) {
    if (is_test_only(route->pattern)) continue;
    auto const* doc = &route->options.doc;
    if (doc->summary.empty()) {
      out.undocumented.push_back(std::string(bhttp::to_string(route->method)) + " " + route->pattern);
      continue;
    }
    auto path = openapi_path(route->pattern);
    std::string method(bhttp::to_string(route->method));
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto& item = paths[path.path];
    if (!item.is_object()) item = json::object{};
    item.as_object()[method] = operation(*route, *doc, path);
    if (doc->head && route->method == bhttp::verb::get) {
      // The same answers without their bodies, under HEAD's own summary and headers.
      http::RouteDoc head = *doc;
      head.summary = doc->head->summary;
      head.headers.insert(head.headers.end(), doc->head->headers.begin(), doc->head->headers.end());
      for (auto& a : head.answers) a.content.clear();
      http::Route as_head{bhttp::verb::head, route->pattern, {}, {}};
      item.as_object()["head"] = operation(as_head, head, path);
    }
    if (!doc->tag.empty() && std::find(tags.begin(), tags.end(), doc->tag) == tags.end())
      tags.push_back(doc->tag);
  }
  // What each group is, for the interactive docs' section headings.
  static constexpr std::pair<std::string_view, std::string_view> kTags[] = {
      {"auth", "Accounts and sessions: sign-up, sign-in, rotating refresh tokens, the caller's profile"},
      {"uploads", "Resumable uploads (tus 1.0), the one-request multipart upload, and storage quotas"},
      {"datasets", "Images and their pyramids: list, search, change, reprocess, delete"},
      {"tiles", "Deep Zoom and XYZ tiles, previews and FITS headers, with the dataset's access rules"},
      {"iiif", "IIIF Image API 3.0 (level 2) and Presentation API 3.0"},
      {"science", "Original pixel values and live display tiles from the data pyramid"},
      {"annotations", "Points, rectangles, circles and polygons on an image; DS9 and CSV import and export"},
      {"admin", "Administration (the admin role): users, every dataset, quotas, statistics"},
      {"operations", "Health, metrics, and this description of the API"},
  };
  json::array tag_list;
  for (auto const& t : tags) {
    json::object tag{{"name", t}};
    for (auto const& [name, description] : kTags)
      if (name == t) tag["description"] = description;
    tag_list.push_back(std::move(tag));
  }
  out.json = {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "AstroPixel API"},
        {"version", version},
        {"description",
         "Gigapixel astronomy images: accounts, resumable uploads (tus 1.0), datasets, tiles (Deep Zoom, "
         "XYZ, IIIF Image API 3.0), annotations and administration. Every error answer is JSON in one "
         "shape (components.schemas.Error) with a stable machine code. Generated by the server from "
         "the routes it serves."}}},
      {"servers", json::array{json::object{{"url", "/"}}}},
      {"tags", std::move(tag_list)},
      {"paths", std::move(paths)},
      {"components", {{"schemas", openapi_schemas()}, {"securitySchemes", security_schemes()}}},
  };
  type_enums(out.json["components"]);
  return out;
}

}  // namespace astropixel::api
