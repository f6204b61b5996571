// Incremental decoding of HTTP/1.1 chunked transfer coding, for answers read
// a piece at a time: feed() takes what has arrived and hands the decoded body
// bytes to a callback as soon as they are complete chunk data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace megarouter::upstream {

class ChunkedDecoder {
public:
    enum class Status {
        more,    // everything usable was consumed: feed more bytes
        done,    // the last chunk and the trailers are in
        bad,     // malformed framing
        stopped, // the callback returned false
    };
    struct Fed {
        Status status;
        std::size_t consumed; // bytes of `in` used; the rest must be fed again with what follows
    };

    Fed feed(std::string_view in, const std::function<bool(std::string_view)>& body);

private:
    enum class State { size, data, data_end, trailer, done } m_state = State::size;
    std::uint64_t m_left = 0;
};

} // namespace megarouter::upstream
