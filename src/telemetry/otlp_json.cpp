// The OTLP/JSON body of a batch of spans (see otlp.hpp), written straight
// into one string: building a JSON tree per span cost the exporter's thread
// about 20 us a span.
#include <cmath>
#include <cstdio>

#include "megarouter/telemetry/otlp.hpp"

namespace megarouter::telemetry {

namespace {

// The length of the valid UTF-8 sequence at `s[i]`, or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = byte(i);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((byte(i + k) & 0xc0) != 0x80) return 0;
    if (n == 2 && c < 0xc2) return 0;                                    // overlong
    if (n == 3) {
        unsigned char c1 = byte(i + 1);
        if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0)) return 0; // overlong, surrogate
    }
    if (n == 4) {
        unsigned char c1 = byte(i + 1);
        if ((c == 0xf0 && c1 < 0x90) || c > 0xf4 || (c == 0xf4 && c1 >= 0x90)) return 0;
    }
    return n;
}

// `text` as a JSON string; invalid UTF-8 becomes U+FFFD.
void quoted(std::string& out, std::string_view text) {
    out += '"';
    for (std::size_t i = 0; i < text.size();) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
            ++i;
        } else if (c < 0x20) {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\u%04x", c);
            out += escape;
            ++i;
        } else if (c < 0x80) {
            out += static_cast<char>(c);
            ++i;
        } else if (std::size_t n = utf8_length(text, i)) {
            out.append(text.substr(i, n));
            i += n;
        } else {
            out += "\\ufffd";
            ++i;
        }
    }
    out += '"';
}

void any_value(std::string& out, const AttributeValue& value) {
    if (const auto* s = std::get_if<std::string>(&value)) {
        out += "{\"stringValue\":";
        quoted(out, *s);
        out += '}';
    } else if (const auto* i = std::get_if<std::int64_t>(&value)) {
        out += "{\"intValue\":\"" + std::to_string(*i) + "\"}";
    } else if (const auto* d = std::get_if<double>(&value)) {
        if (!std::isfinite(*d)) { // JSON has no NaN or infinity
            out += "{\"stringValue\":\"" + std::to_string(*d) + "\"}";
        } else {
            char text[32];
            std::snprintf(text, sizeof text, "%.17g", *d);
            out += "{\"doubleValue\":" + std::string(text) + "}";
        }
    } else {
        out += std::get<bool>(value) ? "{\"boolValue\":true}" : "{\"boolValue\":false}";
    }
}

void attributes(std::string& out, const std::vector<Attribute>& list) {
    out += '[';
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (i) out += ',';
        out += "{\"key\":";
        quoted(out, list[i].key);
        out += ",\"value\":";
        any_value(out, list[i].value);
        out += '}';
    }
    out += ']';
}

} // namespace

std::string otlp_json(const std::vector<Attribute>& resource, const std::vector<Span>& spans) {
    std::string out;
    out.reserve(256 + spans.size() * 1024);
    out += "{\"resourceSpans\":[{\"resource\":{\"attributes\":";
    attributes(out, resource);
    out += "},\"scopeSpans\":[{\"scope\":{\"name\":\"megarouter\",\"version\":";
    quoted(out, MEGAROUTER_VERSION);
    out += "},\"spans\":[";
    for (std::size_t i = 0; i < spans.size(); ++i) {
        const Span& span = spans[i];
        if (i) out += ',';
        out += "{\"traceId\":\"" + hex(span.trace_id) + "\",\"spanId\":\"" + hex(span.span_id) + "\"";
        if (span.parent) out += ",\"parentSpanId\":\"" + hex(*span.parent) + "\"";
        out += ",\"name\":";
        quoted(out, span.name);
        out += ",\"kind\":" + std::to_string(static_cast<int>(span.kind));
        out += ",\"startTimeUnixNano\":\"" + std::to_string(span.start_ns) + "\"";
        out += ",\"endTimeUnixNano\":\"" + std::to_string(std::max(span.end_ns, span.start_ns)) + "\"";
        out += ",\"attributes\":";
        attributes(out, span.attributes);
        if (span.error) {
            out += ",\"status\":{\"code\":2,\"message\":";
            quoted(out, span.status_message);
            out += "}}";
        } else {
            out += ",\"status\":{\"code\":1}}";
        }
    }
    out += "]}]}]}";
    return out;
}

} // namespace megarouter::telemetry
