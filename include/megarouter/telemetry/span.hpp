// Trace context and spans: the W3C `traceparent` header a client sends and
// megarouter passes on, and the spans one request makes (one server span,
// child spans for governance, routing and each upstream attempt). Plain
// values; encoding is otlp.hpp's, sending exporter.hpp's.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace megarouter::telemetry {

using TraceId = std::array<std::uint8_t, 16>;
using SpanId = std::array<std::uint8_t, 8>;

// What a `traceparent` header carries (W3C Trace Context, level 1).
struct TraceParent {
    TraceId trace_id{};
    SpanId parent_id{};
    bool sampled = false;
};

// Parses a `traceparent` value: version 00 is exactly
// "00-<32 hex>-<16 hex>-<2 hex>"; a later version (not ff) may append
// "-..." after those 55 characters. Lowercase hex only; all-zero ids are
// invalid. nullopt for anything else (the header is then ignored, as the
// specification asks), as is a value over 512 bytes.
std::optional<TraceParent> parse_traceparent(std::string_view value);

// "00-<trace id>-<span id>-01" (or -00 when not sampled).
std::string format_traceparent(const TraceId& trace_id, const SpanId& span_id, bool sampled);

// Random, never all zero. Thread-safe.
TraceId new_trace_id();
SpanId new_span_id();

// Lowercase hex of the bytes.
std::string hex(const std::uint8_t* bytes, std::size_t size);
template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& bytes) {
    return hex(bytes.data(), N);
}

using AttributeValue = std::variant<std::string, std::int64_t, double, bool>;
struct Attribute {
    std::string key;
    AttributeValue value;
};

// OTLP's SpanKind numbers.
enum class SpanKind { internal = 1, server = 2, client = 3 };

struct Span {
    TraceId trace_id{};
    SpanId span_id{};
    std::optional<SpanId> parent;
    std::string name;
    SpanKind kind = SpanKind::internal;
    std::int64_t start_ns = 0; // Unix epoch, nanoseconds
    std::int64_t end_ns = 0;
    bool error = false;        // status ERROR (else OK)
    std::string status_message;
    std::vector<Attribute> attributes;
};

} // namespace megarouter::telemetry
