// OpenTelemetry traces end to end: `megarouter serve` exports OTLP/HTTP JSON
// to a receiver in this test, continuing the client's traceparent; each
// upstream attempt is a client span whose id the upstream (the mock) saw in
// the traceparent megarouter sent it.
#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <thread>

#include "e2e/proxy_harness.hpp"

using nlohmann::json;
using proxy_e2e::ProxyFixture;

namespace {

// An OTLP/HTTP receiver on 127.0.0.1:<port>: keeps every span it is sent.
struct Receiver {
    httplib::Server server;
    std::thread thread;
    int port = 0;
    std::mutex mutex;
    std::vector<json> spans;
    std::vector<json> resources;
    std::vector<std::string> raw;

    Receiver() {
        server.Post("/v1/traces", [this](const httplib::Request& request, httplib::Response& response) {
            json body = json::parse(request.body, nullptr, false);
            std::lock_guard lock(mutex);
            raw.push_back(request.body);
            if (body.is_object())
                for (const json& rs : body["resourceSpans"]) {
                    resources.push_back(rs["resource"]);
                    for (const json& ss : rs["scopeSpans"])
                        for (const json& span : ss["spans"]) spans.push_back(span);
                }
            response.set_content("{}", "application/json");
        });
        port = server.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] { server.listen_after_bind(); });
    }
    ~Receiver() {
        server.stop();
        thread.join();
    }
    std::string toml(const std::string& extra = "") const {
        return "[telemetry]\notlp_endpoint = \"http://127.0.0.1:" + std::to_string(port) + "\"\n" + extra;
    }
    // The spans of `trace_id` once at least `count` arrived (waits up to 10 s).
    std::vector<json> trace(const std::string& trace_id, std::size_t count) {
        std::vector<json> out;
        for (int i = 0; i < 500; ++i) {
            out.clear();
            {
                std::lock_guard lock(mutex);
                for (const json& s : spans)
                    if (s["traceId"] == trace_id) out.push_back(s);
            }
            if (out.size() >= count) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return out;
    }
};

std::map<std::string, json> attributes(const json& span) {
    std::map<std::string, json> out;
    for (const json& a : span["attributes"]) out[a["key"]] = a["value"].begin().value();
    return out;
}

const json* named(const std::vector<json>& spans, const std::string& name) {
    for (const json& s : spans)
        if (s["name"] == name) return &s;
    return nullptr;
}

std::string chat(const std::string& model, bool stream) {
    return json{{"model", model}, {"stream", stream}, {"messages", {{{"role", "user"}, {"content", "Say hello to the tracer"}}}}}.dump();
}

const std::string k_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string k_client_span = "00f067aa0ba902b7";

} // namespace

TEST_CASE("tracing e2e: a failover is one server span with governance, route, budget and two attempt spans") {
    Receiver receiver;
    ProxyFixture fx(receiver.toml());
    megarouter::mock::Behavior down;
    down.status = 503;
    fx.mock.set_behavior("gpt-4o-mini", down); // openai's id; openrouter's is openai/gpt-4o-mini
    auto client = fx.client();
    auto answer = client.Post("/v1/chat/completions", {{"traceparent", "00-" + k_trace + "-" + k_client_span + "-01"}},
                              chat("gpt-4o-mini", false), "application/json");
    REQUIRE(answer);
    REQUIRE(answer->status == 200);
    REQUIRE(answer->get_header_value("x-megarouter-attempts") == "2");

    std::vector<json> spans = receiver.trace(k_trace, 6);
    CAPTURE(json(spans).dump(1));
    REQUIRE(spans.size() == 6);
    const json* server = named(spans, "POST /v1/chat/completions");
    REQUIRE(server);
    CHECK((*server)["kind"] == 2);
    CHECK((*server)["parentSpanId"] == k_client_span); // the client's span is the parent
    auto sa = attributes(*server);
    CHECK(sa["gen_ai.operation.name"] == "chat");
    CHECK(sa["gen_ai.request.model"] == "gpt-4o-mini");
    CHECK(sa["gen_ai.response.model"] == "gpt-4o-mini");
    CHECK(sa["gen_ai.provider.name"] == "openrouter");
    CHECK(std::stoll(sa["gen_ai.usage.output_tokens"].get<std::string>()) > 0);
    CHECK(std::stoll(sa["gen_ai.usage.input_tokens"].get<std::string>()) > 0);
    CHECK(sa["http.response.status_code"] == "200");
    CHECK(sa["megarouter.mode"] == "balanced");
    CHECK(sa["megarouter.fallback"] == true);
    CHECK(sa["megarouter.cost_usd"].get<double>() > 0);
    CHECK(sa["megarouter.request_id"] == answer->get_header_value("x-request-id"));
    CHECK((*server)["status"]["code"] == 1);
    std::string server_id = (*server)["spanId"];
    for (const char* stage : {"megarouter.governance", "megarouter.route", "megarouter.budget"}) {
        CAPTURE(stage);
        const json* s = named(spans, stage);
        REQUIRE(s);
        CHECK((*s)["parentSpanId"] == server_id);
        CHECK((*s)["kind"] == 1);
    }
    CHECK(attributes(*named(spans, "megarouter.route"))["megarouter.chosen"] == "openai/gpt-4o-mini");

    // Two attempt spans, children of the server span: the first failed, the
    // second answered; each id is what the mock saw in its traceparent.
    std::vector<json> attempts;
    for (const json& s : spans)
        if (s["name"] == "chat gpt-4o-mini") attempts.push_back(s);
    REQUIRE(attempts.size() == 2);
    std::sort(attempts.begin(), attempts.end(), [](const json& a, const json& b) {
        return std::stoll(a["startTimeUnixNano"].get<std::string>()) < std::stoll(b["startTimeUnixNano"].get<std::string>());
    });
    CHECK(attempts[0]["kind"] == 3);
    CHECK(attempts[0]["parentSpanId"] == server_id);
    CHECK(attempts[0]["status"]["code"] == 2);
    CHECK(attributes(attempts[0])["gen_ai.provider.name"] == "openai");
    CHECK(attributes(attempts[0])["http.response.status_code"] == "503");
    CHECK(attributes(attempts[0])["server.address"] == "127.0.0.1:" + std::to_string(fx.mock.port()));
    CHECK(attempts[1]["status"]["code"] == 1);
    CHECK(attributes(attempts[1])["gen_ai.provider.name"] == "openrouter");
    std::vector<std::string> seen;
    for (const auto& r : fx.mock.requests())
        if (r.path == "/v1/chat/completions") seen.push_back(r.header("traceparent"));
    REQUIRE(seen.size() == 2);
    CHECK(seen[0] == "00-" + k_trace + "-" + attempts[0]["spanId"].get<std::string>() + "-01");
    CHECK(seen[1] == "00-" + k_trace + "-" + attempts[1]["spanId"].get<std::string>() + "-01");

    // The resource names the service; no prompt text left without capture_content.
    std::lock_guard lock(receiver.mutex);
    CHECK(receiver.resources.at(0)["attributes"][0]["value"]["stringValue"] == "megarouter");
    for (const std::string& body : receiver.raw) CHECK(body.find("Say hello to the tracer") == std::string::npos);
}

TEST_CASE("tracing e2e: streams, refusals and new traces are traced; an unsampled parent is passed on untouched") {
    Receiver receiver;
    ProxyFixture fx(receiver.toml("capture_content = true\nservice_name = \"gw-test\"\n"));
    auto client = fx.client();

    // A stream through the Anthropic API, with no traceparent: a new trace.
    auto streamed = client.Post("/v1/messages", {{"anthropic-version", "2023-06-01"}},
                                json{{"model", "claude-haiku-4-5"}, {"max_tokens", 50}, {"stream", true},
                                     {"messages", {{{"role", "user"}, {"content", "Say hello to the tracer"}}}}}
                                    .dump(),
                                "application/json");
    REQUIRE(streamed);
    REQUIRE(streamed->status == 200);
    std::string upstream_parent;
    for (const auto& r : fx.mock.requests())
        if (r.path == "/v1/messages") upstream_parent = r.header("traceparent");
    REQUIRE(upstream_parent.size() == 55);
    std::string trace_id = upstream_parent.substr(3, 32);
    std::vector<json> spans = receiver.trace(trace_id, 5);
    CAPTURE(json(spans).dump(1));
    const json* server = named(spans, "POST /v1/messages");
    REQUIRE(server);
    CHECK_FALSE(server->contains("parentSpanId"));
    auto sa = attributes(*server);
    CHECK(sa["megarouter.stream"] == true);
    CHECK(sa["gen_ai.provider.name"] == "anthropic");
    // capture_content: the prompt and the answer are on the server span.
    CHECK(sa["gen_ai.input.messages"].get<std::string>().find("Say hello to the tracer") != std::string::npos);
    CHECK_FALSE(sa["gen_ai.output.messages"].get<std::string>().empty());
    {
        std::lock_guard lock(receiver.mutex);
        CHECK(receiver.resources.at(0)["attributes"][0]["value"]["stringValue"] == "gw-test");
    }

    // A refusal (unknown model) is a server span with an error status.
    std::string refused_trace = "0af7651916cd43dd8448eb211c80319c";
    auto unknown = client.Post("/v1/chat/completions", {{"traceparent", "00-" + refused_trace + "-b7ad6b7169203331-01"}},
                               chat("gpt-4o-minii", false), "application/json");
    REQUIRE(unknown);
    CHECK(unknown->status == 404);
    auto refused = receiver.trace(refused_trace, 1);
    const json* failed = named(refused, "POST /v1/chat/completions");
    REQUIRE(failed);
    CHECK((*failed)["status"]["code"] == 2);
    CHECK(attributes(*failed)["error.type"] == "not_found");

    // Embeddings: a server span and an "embeddings <model>" attempt span.
    std::string embed_trace = "1af7651916cd43dd8448eb211c80319d";
    auto embedded = client.Post("/v1/embeddings", {{"traceparent", "00-" + embed_trace + "-b7ad6b7169203331-01"}},
                                R"({"model":"text-embedding-3-small","input":"hello"})", "application/json");
    REQUIRE(embedded);
    CHECK(embedded->status == 200);
    auto embed_spans = receiver.trace(embed_trace, 4);
    CAPTURE(json(embed_spans).dump(1));
    const json* embed_server = named(embed_spans, "POST /v1/embeddings");
    REQUIRE(embed_server);
    CHECK(attributes(*embed_server)["gen_ai.operation.name"] == "embeddings");
    const json* embed_attempt = named(embed_spans, "embeddings text-embedding-3-small");
    REQUIRE(embed_attempt);
    CHECK((*embed_attempt)["parentSpanId"] == (*embed_server)["spanId"]);
    CHECK((*embed_attempt)["status"]["code"] == 1);

    // Sampled out by the client: no spans, and its traceparent goes upstream unchanged.
    std::string unsampled = "00-" + k_trace + "-" + k_client_span + "-00";
    fx.mock.clear_requests();
    auto quiet = client.Post("/v1/chat/completions", {{"traceparent", unsampled}, {"tracestate", "vendor=1"}},
                             chat("gpt-4o-mini", false), "application/json");
    REQUIRE(quiet);
    CHECK(quiet->status == 200);
    auto sent = fx.mock.requests();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].header("traceparent") == unsampled);
    CHECK(sent[0].header("tracestate") == "vendor=1");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500)); // past the exporter's 1 s interval
    CHECK(receiver.trace(k_trace, 1).empty());
}

TEST_CASE("tracing e2e: without an endpoint nothing is exported and a client's traceparent passes through") {
    ProxyFixture fx;
    auto client = fx.client();
    std::string parent = "00-" + k_trace + "-" + k_client_span + "-01";
    auto answer = client.Post("/v1/chat/completions", {{"traceparent", parent}}, chat("gpt-4o-mini", false),
                              "application/json");
    REQUIRE(answer);
    CHECK(answer->status == 200);
    auto sent = fx.mock.requests();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].header("traceparent") == parent);
    // A malformed one is dropped, not forwarded.
    fx.mock.clear_requests();
    auto bad = client.Post("/v1/chat/completions", {{"traceparent", "00-zz-" + k_client_span + "-01"}},
                           chat("gpt-4o-mini", false), "application/json");
    REQUIRE(bad);
    CHECK(bad->status == 200);
    REQUIRE(fx.mock.requests().size() == 1);
    CHECK(fx.mock.requests()[0].header("traceparent").empty());
}

TEST_CASE("tracing e2e: serve says where traces go, without the URL's credentials") {
    Receiver receiver;
    ProxyFixture fx("[telemetry]\notlp_endpoint = \"http://otel-user:otel-secret@127.0.0.1:" +
                    std::to_string(receiver.port) + "\"\n");
    std::string log;
    for (int i = 0; i < 100 && log.find("traces:") == std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        log = proxy_e2e::read_text(fx.home / "serve.log");
    }
    CAPTURE(log);
    CHECK(log.find("traces: OTLP/HTTP JSON to http://***@127.0.0.1:" + std::to_string(receiver.port) + "/v1/traces") !=
          std::string::npos);
    CHECK(log.find("otel-secret") == std::string::npos);
}
