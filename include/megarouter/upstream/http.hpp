// Plain HTTP value types shared by the upstream client and the adapters:
// header lists, a request to send and a buffered response.
// No I/O here; see client.hpp for the libcurl client that sends them.
#pragma once

#include <optional>
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

struct HttpResponse {
    int status = 0;
    Headers headers;
    std::string body;    // for streamed 2xx answers: empty (chunks went to the callback)
    std::string http_version; // "1.1", "2"
};

} // namespace megarouter::upstream
