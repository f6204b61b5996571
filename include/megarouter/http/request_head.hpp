// Parsing an HTTP/1.1 request head (request line and header fields) and the
// body framing it announces. Pure functions over bytes; the connection code
// feeds them what it has read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <httplib.h>

namespace megarouter::http {

enum class HeadStatus {
    complete,  // `request` is filled; the head took `head_bytes`
    partial,   // no blank line yet: read more
    bad,       // not an HTTP/1.x request: 400
    too_large, // the head is over the limit: 431
};

struct HeadParse {
    HeadStatus status = HeadStatus::partial;
    std::size_t head_bytes = 0; // including the blank line
};

// Parses the head at the start of `bytes`. Fills request.method, target,
// path (percent-decoded), params (the query), version and headers.
HeadParse parse_request_head(std::string_view bytes, std::size_t max_head_bytes, httplib::Request& request);

// How the body of a parsed request is framed.
struct BodyFraming {
    enum class Kind { none, length, chunked, bad } kind = Kind::none;
    std::uint64_t length = 0;
};
BodyFraming body_framing(const httplib::Request& request);

// Whether the connection stays open after this request (HTTP/1.1 unless
// "Connection: close"; HTTP/1.0 only with "Connection: keep-alive").
bool wants_keep_alive(const httplib::Request& request);

// Whether a header decides how a message is framed or routed on its
// connection (Content-Length, Transfer-Encoding, Connection, Host, Expect):
// such headers are written by whoever writes the message, never copied from
// a handler or a caller.
bool is_framing_header(std::string_view name);

// The reason phrase for a status code ("OK", "Not Found", ...).
const char* reason_phrase(int status);

} // namespace megarouter::http
