// Plain HTTP value types shared by the upstream client and the adapters:
// header lists, a request to send and a buffered response.
// No I/O here; see client.hpp for the client that sends them.
#pragma once

#include <optional>

#include "megarouter/core/error.hpp"
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace megarouter::upstream {

// Header name/value pairs in the order sent or received. Names keep their
// case; look them up with header_value (case-insensitive).
using Headers = std::vector<std::pair<std::string, std::string>>;

// The first value of `name` (ASCII case-insensitive), or nullopt.
std::optional<std::string> header_value(const Headers& headers, std::string_view name);

// Seconds to wait from a Retry-After value: delta-seconds ("7", "1.5") or an
// HTTP-date (relative to now). Also reads OpenAI-style durations like "6s" /
// "120ms". nullopt when absent or unparseable.
std::optional<double> parse_retry_after(std::string_view value);

// Retry-After, else retry-after-ms, else x-ratelimit-reset-requests, in seconds.
std::optional<double> retry_after_from(const Headers& headers);

struct HttpRequest {
    std::string method = "POST";
    std::string url;     // absolute
    Headers headers;     // may contain secrets: never log values
    std::string body;
};

// Whether `value` may be written as a header field value (RFC 9110 section
// 5.5): visible ASCII, space, horizontal tab and obs-text bytes; no CR, LF,
// NUL, other C0 control or DEL. Empty values are allowed.
bool is_field_value(std::string_view value);

// Whether `url` may be written as an absolute URL and request target: not
// empty, only visible ASCII (no space, control, DEL or non-ASCII byte).
bool is_request_url(std::string_view url);

// The check both upstream paths (native and libcurl) make at the point where
// they write a request: the method and every header name an RFC 9110 token,
// every header value a field value, the URL a request URL. Fails with
// invalid_argument (not retryable, no upstream status) naming the header but
// never its value, which may hold a secret or the attacker's bytes: a request
// that would carry a forged header or a second request is never sent.
// Allocates only when it fails. Thread-safe.
Result<void> check_request(const HttpRequest& request);

struct HttpResponse {
    int status = 0;
    Headers headers;
    std::string body;    // for streamed 2xx answers: empty (chunks went to the callback)
    std::string http_version; // "1.1", "2"
};

} // namespace megarouter::upstream
