// W3C traceparent parsing and formatting, and random ids.
#include <random>

#include "megarouter/telemetry/span.hpp"

namespace megarouter::telemetry {

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1; // uppercase is invalid in traceparent
}

template <std::size_t N>
bool read_hex(std::string_view text, std::array<std::uint8_t, N>& out) {
    if (text.size() != 2 * N) return false;
    bool nonzero = false;
    for (std::size_t i = 0; i < N; ++i) {
        int high = hex_digit(text[2 * i]), low = hex_digit(text[2 * i + 1]);
        if (high < 0 || low < 0) return false;
        out[i] = static_cast<std::uint8_t>(high * 16 + low);
        nonzero = nonzero || out[i] != 0;
    }
    return nonzero;
}

std::mt19937_64& generator() {
    thread_local std::mt19937_64 g{std::random_device{}()};
    return g;
}

template <std::size_t N>
std::array<std::uint8_t, N> random_bytes() {
    std::array<std::uint8_t, N> out{};
    do {
        for (std::size_t i = 0; i < N; i += 8) {
            std::uint64_t word = generator()();
            for (std::size_t j = 0; j < 8 && i + j < N; ++j) out[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
        }
    } while (out == std::array<std::uint8_t, N>{});
    return out;
}

} // namespace

std::optional<TraceParent> parse_traceparent(std::string_view value) {
    // Optional whitespace around the value (RFC 9110 OWS).
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (value.size() < 55 || value.size() > 512) return std::nullopt;
    std::array<std::uint8_t, 1> version{}, flags{};
    int v_high = hex_digit(value[0]), v_low = hex_digit(value[1]);
    if (v_high < 0 || v_low < 0) return std::nullopt;
    version[0] = static_cast<std::uint8_t>(v_high * 16 + v_low);
    if (version[0] == 0xff) return std::nullopt;
    if (value[2] != '-' || value[35] != '-' || value[52] != '-') return std::nullopt;
    if (version[0] == 0 && value.size() != 55) return std::nullopt;
    if (value.size() > 55 && value[55] != '-') return std::nullopt;
    TraceParent out;
    if (!read_hex(value.substr(3, 32), out.trace_id)) return std::nullopt;
    if (!read_hex(value.substr(36, 16), out.parent_id)) return std::nullopt;
    int f_high = hex_digit(value[53]), f_low = hex_digit(value[54]);
    if (f_high < 0 || f_low < 0) return std::nullopt;
    flags[0] = static_cast<std::uint8_t>(f_high * 16 + f_low);
    out.sampled = (flags[0] & 1) != 0;
    return out;
}

std::string hex(const std::uint8_t* bytes, std::size_t size) {
    static constexpr char k_digits[] = "0123456789abcdef";
    std::string out(2 * size, '0');
    for (std::size_t i = 0; i < size; ++i) {
        out[2 * i] = k_digits[bytes[i] >> 4];
        out[2 * i + 1] = k_digits[bytes[i] & 15];
    }
    return out;
}

std::string format_traceparent(const TraceId& trace_id, const SpanId& span_id, bool sampled) {
    return "00-" + hex(trace_id) + "-" + hex(span_id) + (sampled ? "-01" : "-00");
}

TraceId new_trace_id() { return random_bytes<16>(); }
SpanId new_span_id() { return random_bytes<8>(); }

} // namespace megarouter::telemetry
