// Parsing an HTTP/1.1 request head (request line and header fields) and the
// body framing it announces, strictly after RFC 9112: anything a server and
// an upstream behind it could read two ways (request smuggling, header
// injection) is refused. Pure functions over bytes; the connection code
// feeds them what it has read, and a fuzzer can call them with any bytes.
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
    uri_too_long, // the request target is over k_max_target_bytes: 414
};

// The longest request target (path and query) accepted; longer ones get 414
// as soon as that many bytes of the request line are in.
inline constexpr std::size_t k_max_target_bytes = 8 * 1024;

struct HeadParse {
    HeadStatus status = HeadStatus::partial;
    std::size_t head_bytes = 0; // including the blank line
};

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

// Parses the head at the start of `bytes`. Fills request.method, target,
// path (percent-decoded), params (the query), version and headers. Besides
// malformed lines, `bad` (400, and the connection closes) is a request
// target with a control character, space or DEL; HTTP/1.1 without exactly one
// Host (HTTP/1.0: more than one); Transfer-Encoding on HTTP/1.0, more than
// once, or other than the single coding `chunked`; Transfer-Encoding together
// with Content-Length; and Content-Length repeated or not a plain decimal.
// `uri_too_long` when the target passes k_max_target_bytes (checked before the
// head is complete), `too_large` when the head passes max_head_bytes.
HeadParse parse_request_head(std::string_view bytes, std::size_t max_head_bytes, httplib::Request& request);

// How the body of a parsed request is framed (`bad` for every framing that
// parse_request_head refuses, for requests built elsewhere).
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
