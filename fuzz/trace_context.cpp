// The trace-context readers on arbitrary bytes: a client's `traceparent`
// header (parse_traceparent) and the W3C Baggage-style key=value lists of
// OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS. Never a crash; a
// parsed traceparent formats back to one that parses to the same ids.
#include "fuzz_input.hpp"
#include "megarouter/telemetry/otlp.hpp"

using namespace megarouter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input input(data, size);
    const std::string_view bytes = input.rest();
    if (auto parsed = telemetry::parse_traceparent(bytes)) {
        auto again = telemetry::parse_traceparent(
            telemetry::format_traceparent(parsed->trace_id, parsed->parent_id, parsed->sampled));
        if (!again || again->trace_id != parsed->trace_id || again->parent_id != parsed->parent_id ||
            again->sampled != parsed->sampled)
            __builtin_trap();
    }
    for (const auto& [key, value] : telemetry::parse_key_values(bytes))
        if (key.empty() || key.size() > bytes.size() || value.size() > bytes.size()) __builtin_trap();
    return 0;
}
