// The trace-context readers on arbitrary bytes: a client's `traceparent`
// header (parse_traceparent) and the W3C Baggage-style key=value lists of
// OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS. Never a crash; a
// parsed traceparent formats back to one that parses to the same ids; and
// the OTLP/JSON writer turns any bytes (a prompt with capture_content) into
// valid JSON.
#include <nlohmann/json.hpp>

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
    telemetry::Span span;
    span.name = std::string(bytes);
    span.error = true;
    span.status_message = std::string(bytes);
    span.attributes = {{std::string(bytes), std::string(bytes)}, {"n", static_cast<std::int64_t>(bytes.size())}};
    if (!nlohmann::json::accept(telemetry::otlp_json({{"service.name", std::string(bytes)}}, {span}))) __builtin_trap();
    return 0;
}
