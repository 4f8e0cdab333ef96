#pragma once
// The status line and header block of a response, written by hand into a reused buffer: the
// server sends it together with the body in one gathered write, with no serializer in between.
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/status.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace astropixel::http {

// Appends "HTTP/1.1 <status> <reason>", every field of `fields` except Connection and
// Content-Length (the server owns those), then Content-Length when given and "Connection: close"
// when the connection ends after this response, and the blank line.
void format_head(std::string& out, boost::beast::http::status status,
                 boost::beast::http::fields const& fields, std::optional<std::uint64_t> content_length,
                 bool keep_alive);

}  // namespace astropixel::http
