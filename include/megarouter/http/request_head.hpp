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

// Whether `c` may appear in a header name (an RFC 9110 token character).
bool is_token_char(char c);

// Calls `field(name, value)` for each header field of `lines` (the CRLF
// separated lines after a start line, without the blank line), the value
// trimmed of blanks. Stops and returns false at a line that is not a field:
// no colon, an empty name, or a name with other than token characters (which
// also refuses obsolete line folding). Shared by request heads (server) and
// answer heads (upstream client).
template <typename Field>
bool for_each_header_field(std::string_view lines, Field&& field) {
    std::size_t pos = 0;
    while (pos < lines.size()) {
        auto next = lines.find("\r\n", pos);
        std::string_view line = lines.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
        pos = next == std::string_view::npos ? lines.size() : next + 2;
        auto colon = line.find(':');
        if (colon == 0 || colon == std::string_view::npos) return false;
        std::string_view name = line.substr(0, colon);
        for (char c : name)
            if (!is_token_char(c)) return false;
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r')) value.remove_suffix(1);
        field(name, value);
    }
    return true;
}

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
