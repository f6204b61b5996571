// The HTTP/1.1 wire pieces both of megarouter's HTTP speakers share (the
// server reading requests and writing responses, the upstream client writing
// requests and reading answers): which bytes a header may hold, reading the
// header fields of a head, writing them back out, framing headers and reason
// phrases. Pure functions over bytes; no I/O.
#pragma once

#include <string>
#include <string_view>

namespace megarouter::http {

class Response;

// Whether `c` may appear in a header name (an RFC 9110 token character).
bool is_token_char(char c);

// Whether `c` may appear in a header field value: visible ASCII, space,
// horizontal tab and obs-text (bytes 0x80-0xFF). Never CR, LF, NUL, another
// C0 control or DEL.
inline bool is_field_value_char(char c) {
    auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7F);
}

// Calls `field(name, value)` for each header field of `lines` (the CRLF
// separated lines after a start line, without the blank line), the value
// trimmed of blanks. Stops and returns false at a line that is not a field:
// no colon, an empty name, a name with other than token characters (which
// also refuses obsolete line folding and blanks before the colon), or a value
// with a byte that is not a field value character (a bare CR or LF, NUL,
// another control). Shared by request heads (server) and answer heads
// (upstream client).
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
        for (char c : value)
            if (!is_field_value_char(c)) return false;
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
        field(name, value);
    }
    return true;
}

// Whether a header decides how a message is framed or routed on its
// connection (Content-Length, Transfer-Encoding, Connection, Host, Expect):
// such headers are written by whoever writes the message, never copied from
// a handler or a caller.
bool is_framing_header(std::string_view name);

// Appends "name: value\r\n" for each field of `fields` (name/value pairs)
// except the framing headers, which the writer of a message decides.
template <typename Fields>
void append_fields(std::string& out, const Fields& fields) {
    for (const auto& [name, value] : fields) {
        if (is_framing_header(name)) continue;
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
}

// The reason phrase for a status code ("OK", "Not Found", ...).
const char* reason_phrase(int status);

// How a response's body is delimited on the wire.
enum class ResponseFraming {
    length,   // Content-Length: the body is response.body
    chunked,  // Transfer-Encoding: chunked (a stream to an HTTP/1.1 client)
    to_close, // neither: the body ends when the connection does (a stream to HTTP/1.0)
};

// Appends the head of `response` to `out`: the status line (status -1 is
// sent as 200), the response's headers except framing ones, the framing
// header `framing` calls for (Content-Length from response.body), then
// "Connection: keep-alive" or "Connection: close" and the blank line.
void append_response_head(std::string& out, const Response& response, ResponseFraming framing, bool keep_alive);

} // namespace megarouter::http
