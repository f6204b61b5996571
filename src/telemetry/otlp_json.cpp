// The OTLP/JSON body of a batch of spans (see otlp.hpp).
#include <cmath>

#include "megarouter/telemetry/otlp.hpp"

namespace megarouter::telemetry {

namespace {

using nlohmann::json;

json any_value(const AttributeValue& value) {
    struct Visitor {
        json operator()(const std::string& s) const { return {{"stringValue", s}}; }
        json operator()(std::int64_t i) const { return {{"intValue", std::to_string(i)}}; }
        json operator()(double d) const {
            // JSON has no NaN or infinity; OTLP/JSON would spell them as strings.
            if (!std::isfinite(d)) return {{"stringValue", std::to_string(d)}};
            return {{"doubleValue", d}};
        }
        json operator()(bool b) const { return {{"boolValue", b}}; }
    };
    return std::visit(Visitor{}, value);
}

json attributes(const std::vector<Attribute>& list) {
    json out = json::array();
    for (const Attribute& a : list) out.push_back({{"key", a.key}, {"value", any_value(a.value)}});
    return out;
}

} // namespace

std::string otlp_json(const std::vector<Attribute>& resource, const std::vector<Span>& spans) {
    json list = json::array();
    for (const Span& span : spans) {
        json s = {{"traceId", hex(span.trace_id)},
                  {"spanId", hex(span.span_id)},
                  {"name", span.name},
                  {"kind", static_cast<int>(span.kind)},
                  {"startTimeUnixNano", std::to_string(span.start_ns)},
                  {"endTimeUnixNano", std::to_string(std::max(span.end_ns, span.start_ns))},
                  {"attributes", attributes(span.attributes)},
                  {"status", span.error ? json{{"code", 2}, {"message", span.status_message}} : json{{"code", 1}}}};
        if (span.parent) s["parentSpanId"] = hex(*span.parent);
        list.push_back(std::move(s));
    }
    json body = {{"resourceSpans",
                  {{{"resource", {{"attributes", attributes(resource)}}},
                    {"scopeSpans",
                     {{{"scope", {{"name", "megarouter"}, {"version", MEGAROUTER_VERSION}}}, {"spans", std::move(list)}}}}}}}};
    // Invalid UTF-8 from a prompt (capture_content) is replaced, not thrown on.
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace megarouter::telemetry
