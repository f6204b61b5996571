// A request's trace: the context continued from the client's `traceparent`
// (or a new trace), the timings of its stages and attempts as the chain
// runs, and at the end the spans handed to the OTLP exporter:
//
//   POST /v1/chat/completions        server span, GenAI and megarouter attributes
//   ├─ megarouter.governance         key, rate limits, guardrails
//   ├─ megarouter.route              the routing decision
//   ├─ megarouter.budget             the reservation on budgets and pools
//   └─ chat <model>                  client span, one per upstream attempt
//
// Each attempt sends the upstream a `traceparent` naming its attempt span.
// With tracing off, the client's own traceparent and tracestate pass
// through unchanged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "megarouter/http/request.hpp"

#include "megarouter/catalog/model.hpp"
#include "megarouter/telemetry/otlp.hpp"
#include "megarouter/telemetry/span.hpp"
#include "megarouter/upstream/http.hpp"

namespace megarouter::proxy {

struct Exchange;

// A stage's bounds, monotonic microseconds; begin 0 = not reached.
struct Segment {
    std::int64_t begin_us = 0, end_us = 0;
};

struct AttemptTrace {
    telemetry::SpanId span_id{};
    Segment time;
    std::string provider, model, host;
    bool ok = false;
    std::string error;   // ErrorCode name
    int upstream_status = 0;
};

struct RequestTrace {
    bool recording = false;  // spans go to the exporter at the end
    telemetry::TraceId trace_id{};
    telemetry::SpanId server_span{};
    std::optional<telemetry::SpanId> client_parent; // from the client's traceparent
    bool sampled = true;
    std::string client_traceparent, tracestate;    // as the client sent them
    std::int64_t start_unix_ns = 0;                // when started_us was taken
    Segment governance, route, budget;
    std::vector<AttemptTrace> attempts;

    // The headers an attempt sends upstream: a traceparent naming the
    // attempt's span when recording; otherwise the client's own, if any.
    upstream::Headers upstream_headers;
};

// gen_ai.operation.name of the exchange: "chat" or "embeddings".
std::string_view operation_name(const Exchange& exchange);

// Reads the client's traceparent/tracestate and decides whether this
// request is recorded: never without `exporting` (null: no exporter);
// otherwise a client's traceparent decides when the sampler is parent-based
// (a flag of 00: not recorded), and the sample ratio decides for the rest.
void begin_trace(RequestTrace& trace, const http::Request& request, const telemetry::ExportSettings* exporting);

// Opens the span of the next attempt and sets upstream_headers for it.
AttemptTrace* begin_attempt(RequestTrace& trace, std::string_view provider, std::string_view model,
                            std::string_view url);

// The request's spans, built from the finished exchange.
std::vector<telemetry::Span> request_spans(const Exchange& exchange, const std::string& method,
                                           bool capture_content);

} // namespace megarouter::proxy
