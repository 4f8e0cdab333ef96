#pragma once
// The status line and header block of a response, written by hand into a reused buffer: the
// server sends it together with the body in one gathered write, with no serializer in between.
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/status.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace astropixel::http {

// Appends "HTTP/1.1 <status> <reason>", every field of `fields` except Connection and
// Content-Length (the server owns those), then Content-Length when given and "Connection: close"
// when the connection ends after this response, and the blank line.
void format_head(std::string& out, boost::beast::http::status status,
                 boost::beast::http::fields const& fields, std::optional<std::uint64_t> content_length,
                 bool keep_alive);

// Whether `value` may be sent as a header field value: no control characters (CR, LF, NUL, the
// other C0 codes and DEL), horizontal tab allowed (RFC 9110 section 5.5). A value that fails
// would split the header block or be cut by a client.
bool header_value_safe(std::string_view value);

// The name of the first field whose name is not a token or whose value is not safe, or nothing
// when every field may be sent. The server checks every response with it before writing.
std::optional<std::string> first_unsafe_field(boost::beast::http::fields const& fields);

}  // namespace astropixel::http
