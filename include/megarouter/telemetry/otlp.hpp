// OTLP/HTTP with the JSON encoding: the ExportTraceServiceRequest body for a
// batch of spans, and where and how to send it, from [telemetry] and the
// standard OTEL_* environment variables.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "megarouter/core/error.hpp"
#include "megarouter/core/paths.hpp"
#include "megarouter/telemetry/span.hpp"
#include "megarouter/upstream/http.hpp"

namespace megarouter::telemetry {

// The body POSTed to <endpoint>/v1/traces: one resourceSpans with the
// resource's attributes and one scopeSpans ("megarouter") holding the spans.
// Ids are hex, times decimal strings of Unix nanoseconds, int attributes
// decimal strings, kinds and status codes numbers, as OTLP/JSON specifies.
std::string otlp_json(const std::vector<Attribute>& resource, const std::vector<Span>& spans);

struct ExportSettings {
    bool enabled = false;
    std::string url;                 // the full traces URL, ".../v1/traces"
    upstream::Headers headers;       // OTEL_EXPORTER_OTLP_HEADERS: may hold secrets, never logged
    std::vector<Attribute> resource; // service.name first
    bool capture_content = false;    // prompt and answer text on spans
    // Which requests are traced: a share of new traces (by trace id), and
    // with parent_based a client's traceparent decides for its own.
    double sample_ratio = 1.0;
    bool parent_based = true;
    std::vector<std::string> notes;  // what serve prints at start (ignored settings)
};

// Reads [telemetry] otlp_endpoint (the collector's base URL, e.g.
// "http://127.0.0.1:4318"; "/v1/traces" is appended), capture_content and
// service_name; without otlp_endpoint, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
// (used as is) or OTEL_EXPORTER_OTLP_ENDPOINT (base). OTEL_SERVICE_NAME,
// OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_(TRACES_)HEADERS are
// honoured; OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn
// tracing off. Sampling: [telemetry] sample_ratio (0 to 1, parent-based),
// else OTEL_TRACES_SAMPLER (always_on, always_off, traceidratio and their
// parentbased_ forms; default parentbased_always_on) with
// OTEL_TRACES_SAMPLER_ARG. Fails with config on a URL that is not http(s)
// or a sample_ratio outside [0, 1].
Result<ExportSettings> export_settings(const nlohmann::json& telemetry, const core::EnvLookup& env);

// Whether a new trace with this id is sampled at `ratio`: its last eight
// bytes (the random part) read as a number below ratio x 2^64.
bool sampled_by_ratio(const TraceId& trace_id, double ratio);

// "k1=v1,k2=v2" with percent-encoded values (the W3C Baggage format that
// OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS use). Malformed
// members are skipped.
std::vector<std::pair<std::string, std::string>> parse_key_values(std::string_view text);

} // namespace megarouter::telemetry
