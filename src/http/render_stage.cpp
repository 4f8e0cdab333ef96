#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "core/log.hpp"
#include "http/error_table.hpp"
#include "http/stages.hpp"

namespace astropixel::http {

namespace {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char l, char r) {
           return std::tolower(static_cast<unsigned char>(l)) == std::tolower(static_cast<unsigned char>(r));
         });
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Vary is a list: the stages' entries (CORS's Origin) join the handler's (IIIF info.json's Host)
// instead of replacing them, or a shared cache would key a Host-dependent body on Origin alone.
void add_vary(boost::beast::http::fields& headers, std::string_view more) {
  std::string joined(headers[boost::beast::http::field::vary]);
  while (!more.empty()) {
    auto const comma = more.find(',');
    auto const token = trimmed(more.substr(0, comma));
    more = comma == std::string_view::npos ? std::string_view() : more.substr(comma + 1);
    if (token.empty()) continue;
    bool present = false;
    for (std::string_view rest = joined; !rest.empty() && !present;) {
      auto const c = rest.find(',');
      present = iequal(trimmed(rest.substr(0, c)), token);
      rest = c == std::string_view::npos ? std::string_view() : rest.substr(c + 1);
    }
    if (present) continue;
    if (!joined.empty()) joined += ", ";
    joined += token;
  }
  headers.set(boost::beast::http::field::vary, joined);
}

}  // namespace

Stage render_stage(bool debug) {
  return [debug](Exchange& x, Next next) -> asio::awaitable<Result<Response>> {
    auto result = co_await next(x);
    Response response;
    if (result) {
      response = std::move(*result);
    } else {
      auto const& e = result.error();
      if (e.code == ErrorCode::internal || e.code == ErrorCode::unavailable) {
        auto ctx = x.req.log_context();
        log::write(e.code == ErrorCode::internal ? log::Level::error : log::Level::warn, "request_failed",
                   {{"code", e.machine_code()},
                    {"message", e.message},
                    {"detail", e.detail},
                    {"route", x.route_name}},
                   &ctx);
      }
      response = error_response(e, x.req.request_id, debug);
      // The body may still be arriving; the connection cannot carry another request.
      if (e.code == ErrorCode::payload_too_large) x.close = true;
    }
    for (auto const& f : x.response_headers) {
      if (f.name() == boost::beast::http::field::vary)
        add_vary(response.headers, f.value());
      else
        response.headers.set(f.name_string(), f.value());
    }
    response.headers.set("X-Request-ID", x.req.request_id);
    co_return response;
  };
}

}  // namespace astropixel::http
