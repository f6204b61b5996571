// End-to-end: `megarouter serve` in front of the mock provider. Requests in
// OpenAI and Anthropic format, plain and streamed, translated and passed
// through; the headers that say what happened; the info endpoints.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "megarouter/routing/router.hpp"
#include "e2e/proxy_harness.hpp"

using nlohmann::json;
using proxy_e2e::ProxyFixture;

namespace {

httplib::Headers anthropic_headers() { return {{"anthropic-version", "2023-06-01"}, {"x-api-key", "anything"}}; }

std::string openai_chat(const std::string& model, bool stream) {
    return json{{"model", model}, {"stream", stream}, {"messages", {{{"role", "user"}, {"content", "Say hello"}}}}}.dump();
}

std::string anthropic_messages(const std::string& model, bool stream) {
    return json{{"model", model}, {"max_tokens", 100}, {"stream", stream},
                {"messages", {{{"role", "user"}, {"content", "Say hello"}}}}}.dump();
}

} // namespace

TEST_CASE("proxy e2e: OpenAI chat, plain and streamed, passes through with outcome headers") {
    ProxyFixture fx;
    auto client = fx.client();
    auto plain = client.Post("/v1/chat/completions", openai_chat("gpt-4o-mini", false), "application/json");
    REQUIRE(plain);
    CHECK(plain->status == 200);
    auto body = json::parse(plain->body);
    CHECK(body["choices"][0]["message"]["content"].get<std::string>().size() > 0);
    CHECK(plain->get_header_value("x-megarouter-model") == "gpt-4o-mini");
    CHECK(plain->get_header_value("x-megarouter-provider") == "openai");
    CHECK(plain->get_header_value("x-megarouter-attempts") == "1");
    CHECK(!plain->get_header_value("x-megarouter-mode").empty());
    CHECK(!plain->get_header_value("x-megarouter-cost-usd").empty());
    CHECK(plain->get_header_value("x-request-id").rfind("req_", 0) == 0);
    // The upstream got the provider's model id and the provider's key.
    auto seen = fx.mock.requests();
    REQUIRE(!seen.empty());
    CHECK(seen.back().path == "/v1/chat/completions");
    CHECK(seen.back().header("Authorization") == "Bearer mock-openai");

    auto streamed = client.Post("/v1/chat/completions", openai_chat("gpt-4o-mini", true), "application/json");
    REQUIRE(streamed);
    CHECK(streamed->status == 200);
    CHECK(streamed->get_header_value("Content-Type").find("text/event-stream") != std::string::npos);
    CHECK(streamed->body.find("data: [DONE]") != std::string::npos);
    CHECK(streamed->body.find("\"usage\"") != std::string::npos);
    // Usage was asked for upstream so it can be metered.
    CHECK(json::parse(fx.mock.requests().back().body)["stream_options"]["include_usage"] == true);
}

TEST_CASE("proxy e2e: Anthropic messages routed to an OpenAI upstream come back in Anthropic format") {
    ProxyFixture fx;
    auto client = fx.client();
    auto plain = client.Post("/v1/messages?beta=true", anthropic_headers(), anthropic_messages("gpt-4o-mini", false),
                             "application/json");
    REQUIRE(plain);
    CHECK(plain->status == 200);
    auto body = json::parse(plain->body);
    CHECK(body["type"] == "message");
    CHECK(body["content"][0]["type"] == "text");
    CHECK(fx.mock.requests().back().path == "/v1/chat/completions");

    auto streamed = client.Post("/v1/messages", anthropic_headers(), anthropic_messages("gpt-4o-mini", true),
                                "application/json");
    REQUIRE(streamed);
    CHECK(streamed->status == 200);
    CHECK(streamed->body.find("event: message_start") != std::string::npos);
    CHECK(streamed->body.find("event: content_block_delta") != std::string::npos);
    CHECK(streamed->body.find("event: message_delta") != std::string::npos);
    CHECK(streamed->body.find("event: message_stop") != std::string::npos);
}

TEST_CASE("proxy e2e: OpenAI chat routed to an Anthropic upstream, and Anthropic passed through with its headers") {
    ProxyFixture fx;
    auto client = fx.client();
    auto streamed = client.Post("/v1/chat/completions", openai_chat("claude-haiku-4-5", true), "application/json");
    REQUIRE(streamed);
    CHECK(streamed->status == 200);
    CHECK(streamed->get_header_value("x-megarouter-provider") == "anthropic");
    CHECK(streamed->body.find("chat.completion.chunk") != std::string::npos);
    CHECK(streamed->body.find("data: [DONE]") != std::string::npos);
    CHECK(fx.mock.requests().back().path == "/v1/messages");

    httplib::Headers headers = anthropic_headers();
    headers.emplace("anthropic-beta", "context-1m-2025-08-07");
    auto passed = client.Post("/v1/messages", headers, anthropic_messages("claude-haiku-4-5", false), "application/json");
    REQUIRE(passed);
    CHECK(passed->status == 200);
    auto upstream = fx.mock.requests().back();
    CHECK(upstream.header("anthropic-beta") == "context-1m-2025-08-07");
    CHECK(upstream.header("anthropic-version") == "2023-06-01");
    CHECK(upstream.header("x-api-key") == "mock-anthropic");
}

TEST_CASE("proxy e2e: Responses API translated for an Anthropic upstream ends with response.completed") {
    ProxyFixture fx;
    auto client = fx.client();
    json request = {{"model", "claude-haiku-4-5"}, {"stream", true}, {"instructions", "Be brief"},
                    {"input", {{{"type", "message"}, {"role", "developer"}, {"content", {{{"type", "input_text"}, {"text", "Rules"}}}}},
                               {{"type", "message"}, {"role", "user"}, {"content", {{{"type", "input_text"}, {"text", "Hi"}}}}}}}};
    auto streamed = client.Post("/v1/responses", request.dump(), "application/json");
    REQUIRE(streamed);
    CHECK(streamed->status == 200);
    const std::string& text = streamed->body;
    auto created = text.find("event: response.created");
    auto delta = text.find("event: response.output_text.delta");
    auto completed = text.find("event: response.completed");
    CHECK(created != std::string::npos);
    CHECK(delta > created);
    CHECK(completed > delta);
    CHECK(completed != std::string::npos);
    CHECK(text.find("\"input_tokens\"", completed) != std::string::npos);
    auto upstream = json::parse(fx.mock.requests().back().body);
    CHECK(upstream["system"].dump().find("Rules") != std::string::npos);

    request["stream"] = false;
    auto plain = client.Post("/v1/responses", request.dump(), "application/json");
    REQUIRE(plain);
    CHECK(plain->status == 200);
    auto body = json::parse(plain->body);
    CHECK(body["object"] == "response");
    CHECK(body["status"] == "completed");
    CHECK(body["output"][0]["type"] == "message");
}

TEST_CASE("proxy e2e: models list in both shapes, HEAD /, health and the routing dry run") {
    ProxyFixture fx;
    auto client = fx.client();
    auto head = client.Head("/");
    REQUIRE(head);
    CHECK(head->status == 200);
    auto openai = client.Get("/v1/models");
    REQUIRE(openai);
    auto list = json::parse(openai->body);
    CHECK(list["object"] == "list");
    bool has_auto = false, has_gpt = false;
    for (const auto& m : list["data"]) {
        has_auto = has_auto || m["id"] == "auto";
        has_gpt = has_gpt || m["id"] == "gpt-4o-mini";
        CHECK(m["object"] == "model");
    }
    CHECK(has_auto);
    CHECK(has_gpt);
    auto anthropic = client.Get("/v1/models?limit=1000", anthropic_headers());
    REQUIRE(anthropic);
    auto alist = json::parse(anthropic->body);
    CHECK(alist["has_more"] == false);
    CHECK(alist["data"][0]["type"] == "model");
    CHECK(alist["data"][0].contains("display_name"));
    auto one = client.Get("/v1/models/gpt-4o-mini");
    REQUIRE(one);
    CHECK(one->status == 200);
    auto health = client.Get("/health");
    REQUIRE(health);
    CHECK(json::parse(health->body)["status"] == "ok");
    auto route = client.Post("/v1/route", openai_chat("auto:cost", false), "application/json");
    REQUIRE(route);
    CHECK(route->status == 200);
    json summary = json::parse(route->body);
    CHECK(summary.contains("chosen"));
    CHECK(summary["detail"] == "summary");
    CHECK(summary["candidates"].size() <= megarouter::routing::k_summary_candidates);
    auto full = client.Post("/v1/route?detail=full", openai_chat("auto:cost", false), "application/json");
    REQUIRE(full);
    json everything = json::parse(full->body);
    CHECK(everything["detail"] == "full");
    CHECK(everything["candidates"].size() == everything["candidates_total"].get<std::size_t>());
    CHECK(everything["candidates_total"] == summary["candidates_total"]);
    CHECK(fx.mock.requests().empty()); // nothing was called
}

TEST_CASE("proxy e2e: a Claude Code sized max_tokens to a model with a smaller output is capped, not refused") {
    ProxyFixture fx;
    auto client = fx.client();
    // Claude Code asks for 32000 output tokens whatever --model names; gpt-4o-mini gives at most 16384.
    json body = {{"model", "gpt-4o-mini"}, {"max_tokens", 32000}, {"stream", true},
                 {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
    auto answer = client.Post("/v1/messages?beta=true", {{"anthropic-version", "2023-06-01"}}, body.dump(), "application/json");
    REQUIRE(answer);
    CHECK(answer->status == 200);
    CHECK(answer->body.find("message_stop") != std::string::npos);
    auto sent = fx.mock.requests();
    REQUIRE(!sent.empty());
    auto upstream = json::parse(sent.back().body);
    std::int64_t cap = upstream.contains("max_completion_tokens") ? upstream["max_completion_tokens"].get<std::int64_t>()
                                                                   : upstream["max_tokens"].get<std::int64_t>();
    CHECK(cap == 16384);
    // The same through an OpenAI client: the pass-through body is capped too.
    fx.mock.clear_requests();
    json chat = {{"model", "gpt-4o-mini"}, {"max_tokens", 32000}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
    auto plain = client.Post("/v1/chat/completions", chat.dump(), "application/json");
    REQUIRE(plain);
    CHECK(plain->status == 200);
    REQUIRE(fx.mock.requests().size() == 1);
    CHECK(json::parse(fx.mock.requests()[0].body)["max_tokens"] == 16384);
}

TEST_CASE("proxy e2e: no route for a request as it is says x-should-retry: false") {
    ProxyFixture fx;
    auto client = fx.client();
    // An image for a model that takes only text: no deployment can take it, however often it is sent.
    json image = {{"type", "image_url"}, {"image_url", {{"url", "data:image/png;base64,iVBORw0KGgo="}}}};
    json text = {{"type", "text"}, {"text", "what is this?"}};
    json message = {{"role", "user"}, {"content", json::array({text, image})}};
    json chat = {{"model", "gpt-3.5-turbo"}, {"messages", json::array({message})}};
    auto answer = client.Post("/v1/chat/completions", chat.dump(), "application/json");
    REQUIRE(answer);
    CHECK(answer->status == 503);
    CHECK(answer->get_header_value("x-should-retry") == "false");
    CHECK(json::parse(answer->body)["error"]["code"] == "no_route");
}

TEST_CASE("proxy e2e: a [[models]] entry's base_url is where its requests go, not its provider's") {
    // Two local servers under one provider: the common case for Ollama or
    // vLLM. The provider's base URL is the fixture's mock; the model's own
    // server is a second mock.
    megarouter::mock::MockServer own;
    REQUIRE(own.start("127.0.0.1", 0));
    ProxyFixture fx("[[models]]\nid = \"local-llama\"\nprovider = \"openai\"\ncontext = 8192\n"
                    "input_price = 0.0\noutput_price = 0.0\nbase_url = \"" + own.base_url() + "/v1/\"\n");
    auto client = fx.client();
    for (bool stream : {false, true}) {
        CAPTURE(stream);
        own.clear_requests();
        fx.mock.clear_requests();
        auto r = client.Post("/v1/chat/completions", openai_chat("local-llama", stream), "application/json");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->get_header_value("x-megarouter-model") == "local-llama");
        auto seen = own.requests();
        REQUIRE(seen.size() == 1);
        CHECK(seen[0].path == "/v1/chat/completions"); // the trailing slash of base_url is dropped
        CHECK(json::parse(seen[0].body)["model"] == "local-llama");
        CHECK(fx.mock.requests().empty());
    }
    // The provider's other models still go to the provider's base URL.
    own.clear_requests();
    auto other = client.Post("/v1/chat/completions", openai_chat("gpt-4o-mini", false), "application/json");
    REQUIRE(other);
    CHECK(other->status == 200);
    CHECK(own.requests().empty());
    CHECK(fx.mock.requests().size() == 1);
}
