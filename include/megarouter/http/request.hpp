// The request a route handler receives: cpp-httplib's Request plus the path
// segments a pattern route captured (Router fills them; see router.hpp).
// Handlers that need no captures may take `const httplib::Request&`: an
// http::Request converts to it.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include <httplib.h>

namespace megarouter::http {

// The most captures one pattern may have.
inline constexpr std::size_t k_max_captures = 4;

struct Request : httplib::Request {
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
