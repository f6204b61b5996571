// The request a route handler receives: what parse_request_head read (method,
// target, version, the decoded path, the query's parameters, the headers),
// the body, and the path segments a pattern route captured (Router fills
// them; see router.hpp).
//
// Not thread-safe; owned by the connection that read it, and valid for the
// handler's call.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "megarouter/http/headers.hpp"
#include "megarouter/http/url.hpp"

namespace megarouter::http {

// The most captures one pattern may have.
inline constexpr std::size_t k_max_captures = 4;

struct Request {
    std::string method;  // "GET", "POST", ...
    std::string target;  // as received: path and query, still percent-encoded
    std::string version; // "HTTP/1.1" or "HTTP/1.0"
    std::string path;    // the target before '?', percent-decoded ('+' kept)
    QueryParams params;  // the query's pairs, decoded ('+' as space), in order
    Headers headers;
    std::string body;    // whole, de-chunked

    // The first value of the query parameter `name`, or empty. A view into `params`.
    std::string_view get_param_value(std::string_view name) const;
    bool has_param(std::string_view name) const;

    // The value captured for `:name` or `*name` in the matched route's
    // pattern, a view into `path`; empty when the route has no such capture.
    // Valid while `path` is unchanged.
    std::string_view param(std::string_view name) const;
    // The i-th capture in pattern order (empty past the last).
    std::string_view capture(std::size_t index) const;
    std::size_t captures() const { return m_capture_count; }

    // Router's side: records a capture (a name owned by the Router, which
    // outlives the requests it routes, and a span of `path`).
    void clear_captures() { m_capture_count = 0; }
    void add_capture(std::string_view name, std::size_t offset, std::size_t length);

private:
    struct Capture {
        std::string_view name;
        std::size_t offset = 0;
        std::size_t length = 0;
    };
    // Offsets, not views, so a copied or moved Request stays valid.
    std::array<Capture, k_max_captures> m_captures{};
    std::size_t m_capture_count = 0;
};

} // namespace megarouter::http
