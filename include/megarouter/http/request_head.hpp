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

#include "megarouter/http/request.hpp"
#include "megarouter/http/wire.hpp"

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

// Parses the head at the start of `bytes`. Fills request.method, target,
// path (percent-decoded), params (the query), version and headers. Besides
// malformed lines, `bad` (400, and the connection closes) is a request
// target with a control character, space or DEL; HTTP/1.1 without exactly one
// Host (HTTP/1.0: more than one); Transfer-Encoding on HTTP/1.0, more than
// once, or other than the single coding `chunked`; Transfer-Encoding together
// with Content-Length; and Content-Length repeated or not a plain decimal.
// `uri_too_long` when the target passes k_max_target_bytes (checked before the
// head is complete), `too_large` when the head passes max_head_bytes.
HeadParse parse_request_head(std::string_view bytes, std::size_t max_head_bytes, Request& request);

// How the body of a parsed request is framed (`bad` for every framing that
// parse_request_head refuses, for requests built elsewhere).
struct BodyFraming {
    enum class Kind { none, length, chunked, bad } kind = Kind::none;
    std::uint64_t length = 0;
};
BodyFraming body_framing(const Request& request);

// Whether the connection stays open after this request (HTTP/1.1 unless
// "Connection: close"; HTTP/1.0 only with "Connection: keep-alive").
bool wants_keep_alive(const Request& request);

} // namespace megarouter::http
