// Incremental decoding of HTTP/1.1 chunked transfer coding, for bodies read a
// piece at a time (request bodies in the server, answers in the upstream
// client): feed() takes what has arrived and hands the decoded body bytes to a
// callback as soon as they are complete chunk data, so each byte is looked at
// once however the body is split. Size and trailer lines are bounded. It
// takes any bytes (no allocation, no recursion), so a fuzzer can feed it raw
// input directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace megarouter::http {

class ChunkedDecoder {
public:
    enum class Status {
        more,    // everything usable was consumed: feed more bytes
        done,    // the last chunk and the trailers are in
        bad,     // malformed framing
        stopped, // the callback returned false
        too_large, // a chunk size took the body past the limit given at construction
    };
    struct Fed {
        Status status;
        std::size_t consumed; // bytes of `in` used; the rest must be fed again with what follows
    };

    explicit ChunkedDecoder(std::uint64_t max_body = UINT64_MAX) : m_max_body(max_body) {}

    Fed feed(std::string_view in, const std::function<bool(std::string_view)>& body);

private:
    enum class State { size, data, data_end, trailer, done } m_state = State::size;
    std::uint64_t m_max_body;
    std::uint64_t m_total = 0; // announced chunk sizes so far
    std::uint64_t m_left = 0;
    std::size_t m_trailer_bytes = 0;
};

} // namespace megarouter::http
