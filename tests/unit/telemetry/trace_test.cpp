// Trace context, the OTLP/JSON body, the OTEL_* settings and the exporter's
// bounds (a collector that is down costs dropped spans, never a wait).
#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <thread>

#include "megarouter/telemetry/exporter.hpp"
#include "megarouter/telemetry/otlp.hpp"
#include "proxy/tracing.hpp"

using namespace megarouter;
using namespace megarouter::telemetry;
using nlohmann::json;

namespace {

core::EnvLookup env_of(std::map<std::string, std::string> vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        return it == vars.end() ? std::nullopt : std::optional(it->second);
    };
}

Span sample_span() {
    Span s;
    s.trace_id = new_trace_id();
    s.span_id = new_span_id();
    s.parent = new_span_id();
    s.name = "chat gpt-4o-mini";
    s.kind = SpanKind::client;
    s.start_ns = 1'700'000'000'000'000'000;
    s.end_ns = s.start_ns + 5'000'000;
    s.error = true;
    s.status_message = "upstream_unavailable";
    s.attributes = {{"gen_ai.usage.input_tokens", std::int64_t{12}}, {"megarouter.cost_usd", 0.25},
                    {"megarouter.fallback", true}, {"gen_ai.request.model", std::string("gpt-4o-mini")}};
    return s;
}

} // namespace

TEST_CASE("telemetry: traceparent is parsed as W3C Trace Context says, and anything else ignored") {
    auto ok = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    REQUIRE(ok);
    CHECK(hex(ok->trace_id) == "4bf92f3577b34da6a3ce929d0e0e4736");
    CHECK(hex(ok->parent_id) == "00f067aa0ba902b7");
    CHECK(ok->sampled);
    auto unsampled = parse_traceparent(" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00 ");
    REQUIRE(unsampled);
    CHECK_FALSE(unsampled->sampled);
    // A later version may carry more after the known fields.
    CHECK(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"));
    for (const char* bad : {"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", // 00 is exactly 55
                            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",          // version ff
                            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",          // zero trace id
                            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",          // zero parent
                            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",          // uppercase
                            "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",          // dashes misplaced
                            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
                            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_traceparent(bad));
    }
    CHECK_FALSE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-" + std::string(600, 'x')));
    TraceId t = new_trace_id();
    SpanId s = new_span_id();
    auto round = parse_traceparent(format_traceparent(t, s, true));
    REQUIRE(round);
    CHECK(round->trace_id == t);
    CHECK(round->parent_id == s);
    CHECK(new_span_id() != new_span_id());
}

TEST_CASE("telemetry: the OTLP/JSON body has hex ids, string nanoseconds and typed attribute values") {
    Span s = sample_span();
    json body = json::parse(otlp_json({{"service.name", std::string("gw-a")}}, {s}));
    const json& rs = body["resourceSpans"][0];
    CHECK(rs["resource"]["attributes"][0] == json{{"key", "service.name"}, {"value", {{"stringValue", "gw-a"}}}});
    CHECK(rs["scopeSpans"][0]["scope"]["name"] == "megarouter");
    const json& span = rs["scopeSpans"][0]["spans"][0];
    CHECK(span["traceId"] == hex(s.trace_id));
    CHECK(span["traceId"].get<std::string>().size() == 32);
    CHECK(span["spanId"] == hex(s.span_id));
    CHECK(span["parentSpanId"] == hex(*s.parent));
    CHECK(span["kind"] == 3);
    CHECK(span["startTimeUnixNano"] == "1700000000000000000");
    CHECK(span["endTimeUnixNano"] == "1700000000005000000");
    CHECK(span["status"] == json{{"code", 2}, {"message", "upstream_unavailable"}});
    CHECK(span["attributes"][0]["value"] == json{{"intValue", "12"}});
    CHECK(span["attributes"][1]["value"] == json{{"doubleValue", 0.25}});
    CHECK(span["attributes"][2]["value"] == json{{"boolValue", true}});
    CHECK(span["attributes"][3]["value"] == json{{"stringValue", "gpt-4o-mini"}});
    s.parent.reset();
    s.error = false;
    s.attributes = {{"text", std::string("bad \xff utf-8")}};
    s.name = "quote \" backslash \\ tab \t nul " + std::string(1, '\0') + " snowman \xe2\x98\x83 cut \xe2\x98";
    json root = json::parse(otlp_json({}, {s}));
    const json& plain = root["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    CHECK_FALSE(plain.contains("parentSpanId"));
    CHECK(plain["status"] == json{{"code", 1}});
    // Escapes round-trip; invalid UTF-8 (a lone byte, a cut sequence) becomes U+FFFD.
    CHECK(plain["attributes"][0]["value"]["stringValue"] == "bad \xef\xbf\xbd utf-8");
    CHECK(plain["name"] == "quote \" backslash \\ tab \t nul " + std::string(1, '\0') +
                               " snowman \xe2\x98\x83 cut \xef\xbf\xbd\xef\xbf\xbd");
    // Every double survives: 17 significant digits.
    s.attributes = {{"d", 0.1 + 0.2}, {"big", std::int64_t{-9'223'372'036'854'775'807LL}}};
    json again = json::parse(otlp_json({}, {s}));
    const json& numbers = again["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"];
    CHECK(numbers[0]["value"]["doubleValue"].get<double>() == 0.1 + 0.2);
    CHECK(numbers[1]["value"]["intValue"] == "-9223372036854775807");
}

TEST_CASE("telemetry: settings from [telemetry] first, then the standard OTEL_* variables") {
    auto none = export_settings(json::object(), env_of({}));
    REQUIRE(none);
    CHECK_FALSE(none->enabled);

    auto file = export_settings({{"otlp_endpoint", "http://127.0.0.1:4318/"}, {"capture_content", true}},
                                env_of({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://elsewhere:4318"}}));
    REQUIRE(file);
    CHECK(file->enabled);
    CHECK(file->url == "http://127.0.0.1:4318/v1/traces");
    CHECK(file->capture_content);

    auto env = export_settings(json::object(), env_of({{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://otel.example:4318"},
                                                       {"OTEL_SERVICE_NAME", "gateway-b"},
                                                       {"OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod,team=a%20b, bad"},
                                                       {"OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20tok"},
                                                       {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"}}));
    REQUIRE(env);
    CHECK(env->url == "https://otel.example:4318/v1/traces");
    CHECK(env->resource[0].key == "service.name");
    CHECK(std::get<std::string>(env->resource[0].value) == "gateway-b");
    bool saw_team = false;
    for (const Attribute& a : env->resource)
        if (a.key == "team") saw_team = std::get<std::string>(a.value) == "a b";
    CHECK(saw_team);
    REQUIRE(env->headers.size() == 1);
    CHECK(env->headers[0] == std::pair<std::string, std::string>{"authorization", "Bearer tok"});
    REQUIRE(env->notes.size() == 1);
    CHECK(env->notes[0].find("http/protobuf") != std::string::npos);
    // The traces variable is a full URL, used as it is.
    auto traces = export_settings(json::object(), env_of({{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:9/x"}}));
    REQUIRE(traces);
    CHECK(traces->url == "http://c:9/x");
    // Switched off by the SDK variables.
    auto off = export_settings({{"otlp_endpoint", "http://127.0.0.1:4318"}}, env_of({{"OTEL_SDK_DISABLED", "true"}}));
    REQUIRE(off);
    CHECK_FALSE(off->enabled);
    CHECK_FALSE(export_settings(json::object(), env_of({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:1"},
                                                         {"OTEL_TRACES_EXPORTER", "none"}}))->enabled);
    // Bad values are config errors, not silence.
    CHECK_FALSE(export_settings({{"otlp_endpoint", "127.0.0.1:4318"}}, env_of({})));
    CHECK_FALSE(export_settings({{"otlp_endpoint", 4318}}, env_of({})));
    CHECK_FALSE(export_settings({{"capture_content", "yes"}}, env_of({})));
}

TEST_CASE("telemetry: a collector that is down costs dropped spans, never a wait for the caller") {
    // A port nothing listens on: bind one, note it, close it.
    int dead_port = 0;
    {
        httplib::Server probe;
        dead_port = probe.bind_to_any_port("127.0.0.1");
    }
    ExportSettings settings;
    settings.enabled = true;
    settings.url = "http://127.0.0.1:" + std::to_string(dead_port) + "/v1/traces";
    ExporterOptions options{.queue_spans = 100, .batch_spans = 10, .interval_ms = 50, .timeout_ms = 500, .shutdown_ms = 500};
    {
        SpanExporter exporter(settings, options);
        auto begun = std::chrono::steady_clock::now();
        for (int i = 0; i < 1000; ++i) exporter.submit({sample_span()});
        auto took = std::chrono::steady_clock::now() - begun;
        CHECK(took < std::chrono::milliseconds(500)); // 1000 hand-overs, no network wait among them
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (exporter.stats().queued > 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        ExporterStats stats = exporter.stats();
        CHECK(stats.exported == 0);
        CHECK(stats.dropped_full > 0);
        CHECK(stats.dropped_full + stats.dropped_failed + stats.queued == 1000);
    }

    // A live collector gets every span, in batches of at most batch_spans.
    httplib::Server collector;
    std::mutex mutex;
    std::vector<json> bodies;
    collector.Post("/v1/traces", [&](const httplib::Request& request, httplib::Response& response) {
        std::lock_guard lock(mutex);
        bodies.push_back(json::parse(request.body));
        CHECK(request.get_header_value("Content-Type") == "application/json");
        CHECK(request.get_header_value("x-tenant") == "t1");
        response.set_content("{}", "application/json");
    });
    int port = collector.bind_to_any_port("127.0.0.1");
    std::thread serving([&] { collector.listen_after_bind(); });
    settings.url = "http://127.0.0.1:" + std::to_string(port) + "/v1/traces";
    settings.headers = {{"x-tenant", "t1"}};
    {
        SpanExporter exporter(settings, options);
        for (int i = 0; i < 25; ++i) exporter.submit({sample_span()});
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (exporter.stats().exported < 25 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        CHECK(exporter.stats().exported == 25);
    }
    collector.stop();
    serving.join();
    std::size_t spans = 0;
    for (const json& body : bodies) {
        std::size_t n = body["resourceSpans"][0]["scopeSpans"][0]["spans"].size();
        CHECK(n <= 10);
        spans += n;
    }
    CHECK(spans == 25);
}

TEST_CASE("telemetry: sampling by ratio, parent-based by default, from [telemetry] or OTEL_TRACES_SAMPLER") {
    // The ratio reads the trace id's random half.
    TraceId low{}, high{};
    low[15] = 1;
    for (std::size_t i = 8; i < 16; ++i) high[i] = 0xff;
    CHECK(sampled_by_ratio(low, 0.001));
    CHECK_FALSE(sampled_by_ratio(high, 0.999));
    CHECK(sampled_by_ratio(high, 1));
    CHECK_FALSE(sampled_by_ratio(low, 0));
    int kept = 0;
    for (int i = 0; i < 10'000; ++i) kept += sampled_by_ratio(new_trace_id(), 0.25) ? 1 : 0;
    CHECK(kept > 2'200);
    CHECK(kept < 2'800);

    json endpoint = {{"otlp_endpoint", "http://127.0.0.1:4318"}};
    auto plain = export_settings(endpoint, env_of({}));
    REQUIRE(plain);
    CHECK(plain->sample_ratio == 1);
    CHECK(plain->parent_based);
    auto ratio = export_settings(endpoint, env_of({{"OTEL_TRACES_SAMPLER", "traceidratio"}, {"OTEL_TRACES_SAMPLER_ARG", "0.1"}}));
    REQUIRE(ratio);
    CHECK(ratio->sample_ratio == doctest::Approx(0.1));
    CHECK_FALSE(ratio->parent_based);
    auto off = export_settings(endpoint, env_of({{"OTEL_TRACES_SAMPLER", "parentbased_always_off"}}));
    REQUIRE(off);
    CHECK(off->sample_ratio == 0);
    CHECK(off->parent_based);
    auto bad = export_settings(endpoint, env_of({{"OTEL_TRACES_SAMPLER", "traceidratio"}, {"OTEL_TRACES_SAMPLER_ARG", "2"}}));
    REQUIRE(bad);
    CHECK(bad->sample_ratio == 1);
    CHECK(bad->notes.size() == 1);
    json file = endpoint;
    file["sample_ratio"] = 0.5;
    auto from_file = export_settings(file, env_of({{"OTEL_TRACES_SAMPLER", "always_off"}}));
    REQUIRE(from_file);
    CHECK(from_file->sample_ratio == 0.5); // the file wins
    CHECK(from_file->parent_based);
    file["sample_ratio"] = 1.5;
    CHECK_FALSE(export_settings(file, env_of({})));
}

TEST_CASE("telemetry: a request is recorded by its client's traceparent first, then by the ratio") {
    ExportSettings none_sampled;
    none_sampled.enabled = true;
    none_sampled.sample_ratio = 0;
    http::Request bare;
    proxy::RequestTrace t1;
    proxy::begin_trace(t1, bare, &none_sampled);
    CHECK_FALSE(t1.recording); // a new trace at ratio 0
    http::Request sampled_parent;
    sampled_parent.headers.add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    proxy::RequestTrace t2;
    proxy::begin_trace(t2, sampled_parent, &none_sampled);
    CHECK(t2.recording); // parent-based: the client sampled it
    none_sampled.parent_based = false;
    proxy::RequestTrace t3;
    proxy::begin_trace(t3, sampled_parent, &none_sampled);
    CHECK_FALSE(t3.recording);
    proxy::RequestTrace t4;
    proxy::begin_trace(t4, sampled_parent, nullptr);
    CHECK_FALSE(t4.recording); // no exporter
    // Not recorded: the client's own traceparent still goes upstream.
    proxy::begin_attempt(t4, "openai", "gpt-4o-mini", "http://127.0.0.1:1/v1");
    REQUIRE(t4.upstream_headers.size() == 1);
    CHECK(t4.upstream_headers[0].second == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
}
