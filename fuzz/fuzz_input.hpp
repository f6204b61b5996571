// Helpers the libFuzzer targets share: reading control bytes off the front of
// an input, and feeding the rest to an incremental decoder in pieces whose
// sizes the input chooses (so that every split of an event, a chunk size line
// or a UTF-8 sequence gets tried). Each target is one file with one
// LLVMFuzzerTestOneInput; scripts/fuzz builds and runs them all.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace megarouter::fuzz {

// The input as bytes, consumed from the front by take_byte().
class Input {
public:
    Input(const std::uint8_t* data, std::size_t size) : m_rest(reinterpret_cast<const char*>(data), size) {}

    // The first byte (removed), or 0 when the input is empty.
    std::uint8_t take_byte() {
        if (m_rest.empty()) return 0;
        auto byte = static_cast<std::uint8_t>(m_rest.front());
        m_rest.remove_prefix(1);
        return byte;
    }
    std::string_view rest() const { return m_rest; }

private:
    std::string_view m_rest;
};

// Calls `feed(piece)` for consecutive pieces of `bytes`: sizes cycle through
// 1..`stride` (stride 0: the whole in one piece).
template <typename Feed>
void feed_in_pieces(std::string_view bytes, std::uint8_t stride, Feed&& feed) {
    if (stride == 0) {
        feed(bytes);
        return;
    }
    std::size_t size = 1;
    while (!bytes.empty()) {
        std::size_t n = std::min(size, bytes.size());
        feed(bytes.substr(0, n));
        bytes.remove_prefix(n);
        size = size % stride + 1;
    }
}

} // namespace megarouter::fuzz
