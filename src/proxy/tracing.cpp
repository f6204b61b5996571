// A request's trace and spans (see tracing.hpp).
#include "proxy/tracing.hpp"

#include "megarouter/core/clock.hpp"
#include "proxy/exchange.hpp"

namespace megarouter::proxy {

namespace {

using telemetry::Attribute;
using telemetry::Span;
using telemetry::SpanKind;

// Text on a span is cut here (capture_content): a prompt can be megabytes.
constexpr std::size_t k_max_captured = 16 * 1024;


// OpenTelemetry's gen_ai.provider.name values where they differ from ours.
std::string provider_name(std::string_view provider) {
    if (provider == "google" || provider == "gemini") return "gcp.gemini";
    if (provider == "bedrock") return "aws.bedrock";
    if (provider == "azure") return "azure.ai.openai";
    if (provider == "mistral") return "mistral_ai";
    if (provider == "xai") return "x_ai";
    return std::string(provider);
}

std::string host_of(std::string_view url) {
    std::size_t scheme = url.find("://");
    if (scheme == std::string_view::npos) return "";
    url.remove_prefix(scheme + 3);
    url = url.substr(0, url.find_first_of("/?#"));
    if (std::size_t at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1); // never userinfo
    return std::string(url);
}

std::string clipped(std::string text) {
    if (text.size() > k_max_captured) text.resize(k_max_captured);
    return text;
}

void add_usage(std::vector<Attribute>& out, const catalog::Usage& u) {
    out.push_back({"gen_ai.usage.input_tokens", catalog::add_saturated(catalog::add_saturated(u.input, u.cached_input), u.cache_write)});
    out.push_back({"gen_ai.usage.output_tokens", u.output});
    if (u.cached_input) out.push_back({"gen_ai.usage.cache_read.input_tokens", u.cached_input});
    if (u.cache_write) out.push_back({"gen_ai.usage.cache_creation.input_tokens", u.cache_write});
    if (u.reasoning) out.push_back({"megarouter.usage.reasoning_tokens", u.reasoning});
}

} // namespace

std::string_view operation_name(const Exchange& exchange) {
    // Chat completions, Messages and Responses are all "chat" to the GenAI conventions.
    return exchange.path.ends_with("/embeddings") ? "embeddings" : "chat";
}

void begin_trace(RequestTrace& trace, const http::Request& request, const telemetry::ExportSettings* exporting) {
    const std::string* parent_header = request.headers.find("traceparent");
    std::optional<telemetry::TraceParent> parent;
    if (parent_header) {
        parent = telemetry::parse_traceparent(*parent_header);
        if (parent) trace.client_traceparent = *parent_header;
    }
    if (const std::string* state = request.headers.find("tracestate");
        parent && state && state->size() <= 512 && upstream::is_field_value(*state))
        trace.tracestate = *state;
    trace.start_unix_ns = core::system_clock().now_ms() * 1'000'000;
    if (parent) {
        trace.trace_id = parent->trace_id;
        trace.client_parent = parent->parent_id;
        trace.sampled = parent->sampled;
    } else {
        trace.trace_id = telemetry::new_trace_id();
        trace.sampled = true;
    }
    if (exporting && !(parent && exporting->parent_based))
        trace.sampled = telemetry::sampled_by_ratio(trace.trace_id, exporting->sample_ratio);
    trace.recording = exporting && trace.sampled;
    trace.server_span = telemetry::new_span_id();
}

AttemptTrace* begin_attempt(RequestTrace& trace, std::string_view provider, std::string_view model,
                            std::string_view url) {
    AttemptTrace& a = trace.attempts.emplace_back();
    a.time.begin_us = core::monotonic_us();
    a.provider = provider; // also for the metrics' failed attempts
    a.model = model;
    if (trace.recording) { // span facts only when there will be a span
        a.span_id = telemetry::new_span_id();
        a.host = host_of(url);
    }
    trace.upstream_headers.clear();
    if (trace.recording) {
        trace.upstream_headers.emplace_back("traceparent", telemetry::format_traceparent(trace.trace_id, a.span_id, true));
    } else if (!trace.client_traceparent.empty()) {
        trace.upstream_headers.emplace_back("traceparent", trace.client_traceparent);
    }
    if (!trace.tracestate.empty() && !trace.upstream_headers.empty())
        trace.upstream_headers.emplace_back("tracestate", trace.tracestate);
    return &a;
}

std::vector<Span> request_spans(const Exchange& exchange, const std::string& method, bool capture_content) {
    const RequestTrace& trace = exchange.trace;
    std::vector<Span> spans;
    if (!trace.recording) return spans;
    // References into `spans` are held while it grows: never reallocate.
    spans.reserve(4 + trace.attempts.size());
    std::int64_t end_us = core::monotonic_us();
    auto unix_ns = [&](std::int64_t mono_us) { return trace.start_unix_ns + (mono_us - exchange.started_us) * 1000; };
    auto child = [&](std::string name, SpanKind kind, const Segment& time) -> Span& {
        Span& s = spans.emplace_back();
        s.trace_id = trace.trace_id;
        s.span_id = telemetry::new_span_id();
        s.parent = trace.server_span;
        s.name = std::move(name);
        s.kind = kind;
        s.start_ns = unix_ns(time.begin_us);
        s.end_ns = unix_ns(time.end_us ? time.end_us : end_us);
        return s;
    };
    std::string_view operation = operation_name(exchange);

    Span& server = spans.emplace_back();
    server.trace_id = trace.trace_id;
    server.span_id = trace.server_span;
    server.parent = trace.client_parent;
    server.name = method + " " + exchange.path;
    server.kind = SpanKind::server;
    server.start_ns = trace.start_unix_ns;
    server.end_ns = unix_ns(end_us);
    server.error = exchange.status >= 500 || !exchange.error_code.empty();
    if (server.error) server.status_message = exchange.error_code;
    auto& sa = server.attributes;
    sa.push_back({"http.request.method", method});
    sa.push_back({"url.path", exchange.path});
    sa.push_back({"http.response.status_code", std::int64_t{exchange.status}});
    sa.push_back({"gen_ai.operation.name", std::string(operation)});
    sa.push_back({"megarouter.request_id", exchange.request_id});
    if (!exchange.chat.model.empty()) sa.push_back({"gen_ai.request.model", exchange.chat.model});
    if (exchange.chat.max_tokens) sa.push_back({"gen_ai.request.max_tokens", *exchange.chat.max_tokens});
    if (exchange.chat.temperature) sa.push_back({"gen_ai.request.temperature", *exchange.chat.temperature});
    if (exchange.model) sa.push_back({"gen_ai.response.model", exchange.model->id});
    if (exchange.offering) sa.push_back({"gen_ai.provider.name", provider_name(exchange.offering->provider)});
    if (!exchange.error_code.empty()) sa.push_back({"error.type", exchange.error_code});
    add_usage(sa, exchange.usage);
    sa.push_back({"megarouter.stream", exchange.chat.stream});
    sa.push_back({"megarouter.attempts", std::int64_t{exchange.attempts}});
    sa.push_back({"megarouter.fallback", exchange.fallback});
    sa.push_back({"megarouter.cost_usd", static_cast<double>(exchange.cost) / catalog::k_nanos_per_usd});
    if (exchange.plan) {
        sa.push_back({"megarouter.mode", std::string(routing::to_string(exchange.mode))});
        sa.push_back({"megarouter.route_kind", exchange.plan->route_kind});
    }
    if (exchange.model) sa.push_back({"megarouter.tier", std::string(catalog::to_string(exchange.model->tier))});
    std::string key_id = exchange.caller.key_id();
    if (!key_id.empty()) sa.push_back({"megarouter.key_id", key_id});
    if (capture_content) {
        sa.push_back({"gen_ai.input.messages", clipped(exchange.body.contains("messages") ? exchange.body["messages"].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                                                         : exchange.body.contains("input") ? exchange.body["input"].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                                                                                          : std::string())});
        if (!exchange.answer_text.empty()) sa.push_back({"gen_ai.output.messages", clipped(exchange.answer_text)});
    }

    if (trace.governance.begin_us) {
        Span& g = child("megarouter.governance", SpanKind::internal, trace.governance);
        if (!key_id.empty()) g.attributes.push_back({"megarouter.key_id", key_id});
        if (const auto& p = exchange.caller.principal) {
            if (!p->team.empty()) g.attributes.push_back({"megarouter.team", p->team});
        }
        g.attributes.push_back({"megarouter.budget.decision",
                                std::string(exchange.guardrails.downgrade ? "downgrade" : "allow")});
        if (!exchange.guardrails.reason.empty())
            g.attributes.push_back({"megarouter.budget.reason", exchange.guardrails.reason});
        if (exchange.error_code == "unauthenticated" || exchange.error_code == "permission_denied" ||
            (exchange.error_code == "rate_limited" && !trace.route.begin_us)) {
            g.error = true;
            g.status_message = exchange.error_code;
        }
    }
    if (trace.route.begin_us) {
        Span& r = child("megarouter.route", SpanKind::internal, trace.route);
        if (exchange.plan) {
            r.attributes.push_back({"megarouter.mode", std::string(routing::to_string(exchange.plan->mode))});
            r.attributes.push_back({"megarouter.route_kind", exchange.plan->route_kind});
            r.attributes.push_back({"megarouter.required_tier", std::string(catalog::to_string(exchange.plan->required_tier))});
            r.attributes.push_back({"megarouter.chosen", exchange.plan->chosen.key()});
            r.attributes.push_back({"megarouter.fallbacks", static_cast<std::int64_t>(exchange.plan->fallbacks.size())});
            r.attributes.push_back({"megarouter.candidates", static_cast<std::int64_t>(exchange.plan->candidates.size())});
        } else if (!exchange.error_code.empty()) {
            r.error = true;
            r.status_message = exchange.error_code;
        }
    }
    if (trace.budget.begin_us) {
        Span& b = child("megarouter.budget", SpanKind::internal, trace.budget);
        b.attributes.push_back({"megarouter.budget.reserved_usd",
                                static_cast<double>(exchange.hold.amount) / catalog::k_nanos_per_usd});
        if (!exchange.hold.pools.empty()) b.attributes.push_back({"megarouter.pools", exchange.hold.pools});
        if (exchange.error_code == "budget_exceeded" && exchange.attempts == 0) {
            b.error = true;
            b.status_message = "budget_exceeded";
        }
    }
    for (const AttemptTrace& a : trace.attempts) {
        Span& s = child(std::string(operation) + " " + a.model, SpanKind::client, a.time);
        s.span_id = a.span_id; // the id the upstream saw in traceparent
        s.attributes.push_back({"gen_ai.operation.name", std::string(operation)});
        s.attributes.push_back({"gen_ai.provider.name", provider_name(a.provider)});
        s.attributes.push_back({"gen_ai.request.model", a.model});
        if (!a.host.empty()) s.attributes.push_back({"server.address", a.host});
        if (a.upstream_status) s.attributes.push_back({"http.response.status_code", std::int64_t{a.upstream_status}});
        if (!a.ok) {
            s.error = true;
            s.status_message = a.error;
            s.attributes.push_back({"error.type", a.error});
        }
    }
    return spans;
}

} // namespace megarouter::proxy
