// The filter chain (handle_chat: authenticate, decode, route, call with
// failover, encode) over a fake Transport: what goes upstream, what comes
// back to the client, and how the walk over deployments reacts to each kind
// of failure. No sockets; the e2e tests cover the same paths over the wire.
#include "chain_fixture.hpp"

using namespace chain_test;
using nlohmann::json;
using proxy::ApiKind;

namespace {

std::string header(const http::Response& response, const std::string& name) {
    return std::string(response.headers.get(name));
}

std::string sent_header(const Sent& sent, const std::string& name) {
    return upstream::header_value(sent.headers, name).value_or("");
}

} // namespace

TEST_CASE("chain: a matching format passes the body through, with the provider's model id and key") {
    ChainFixture fx;
    auto answer = openai_answer("gpt-4o-mini", "hello there");
    std::string upstream_body = answer->body;
    fx.transport.script(k_openai, {std::move(answer)});
    json body = chat_body("gpt-4o-mini");
    body["temperature"] = 0.25;
    body["some_future_field"] = {{"kept", true}};
    auto response = fx.post(ApiKind::chat_completions, body);
    CHECK(response.status == 200);
    CHECK(response.body == upstream_body); // byte for byte
    CHECK(header(response, "x-megarouter-provider") == "openai");
    CHECK(header(response, "x-megarouter-model") == "gpt-4o-mini");
    CHECK(header(response, "x-megarouter-attempts") == "1");
    CHECK_FALSE(response.headers.has("x-megarouter-fallback"));
    auto sent = fx.transport.sent();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].url == std::string(k_openai) + "/chat/completions");
    CHECK(sent_header(sent[0], "Authorization") == "Bearer sk-fake-openai");
    CHECK(sent[0].body["model"] == "gpt-4o-mini");
    CHECK(sent[0].body["temperature"] == 0.25);
    CHECK(sent[0].body["some_future_field"]["kept"] == true); // unknown fields go through
}

TEST_CASE("chain: a 503 and a refused connection both fail over to the next deployment") {
    for (bool refused : {false, true}) {
        CAPTURE(refused);
        ChainFixture fx;
        if (!refused) fx.transport.script(k_openai, {openai_error(503, "server_error", "overloaded")});
        fx.transport.script(k_openrouter, {openai_answer("openai/gpt-4o-mini", "from openrouter")});
        auto response = fx.post(ApiKind::chat_completions, chat_body("gpt-4o-mini"));
        CHECK(response.status == 200);
        CHECK(json::parse(response.body)["choices"][0]["message"]["content"] == "from openrouter");
        CHECK(header(response, "x-megarouter-provider") == "openrouter");
        CHECK(header(response, "x-megarouter-attempts") == "2");
        CHECK(header(response, "x-megarouter-fallback") == "true");
        auto sent = fx.transport.sent();
        REQUIRE(sent.size() == 2);
        CHECK(sent[1].url == std::string(k_openrouter) + "/chat/completions");
        CHECK(sent[1].body["model"] == "openai/gpt-4o-mini");
        CHECK(sent_header(sent[1], "Authorization") == "Bearer sk-fake-or");
        // The failure is on record for the deployment that failed.
        auto health = fx.shared.health->snapshot();
        const auto* failed = health.find("openai", "gpt-4o-mini");
        REQUIRE(failed != nullptr);
        CHECK(failed->consecutive_failures == 1);
    }
}

TEST_CASE("chain: an upstream's 400 is the client's error, answered once and in its format") {
    ChainFixture fx;
    fx.transport.script(k_openai, {openai_error(400, "invalid_value", "temperature must be at most 2")});
    auto response = fx.post(ApiKind::chat_completions, chat_body("gpt-4o-mini"));
    CHECK(response.status == 400);
    CHECK(fx.transport.sent().size() == 1); // not retried elsewhere
    json error = json::parse(response.body)["error"];
    CHECK(error["message"].get<std::string>().find("temperature must be at most 2") != std::string::npos);
    CHECK(header(response, "x-megarouter-attempts") == "1");
}

TEST_CASE("chain: an Anthropic client asking for an OpenAI model is translated both ways") {
    ChainFixture fx;
    fx.transport.script(k_openai, {openai_answer("gpt-4o-mini", "translated", 20, 7)});
    json body = {{"model", "gpt-4o-mini"}, {"max_tokens", 300}, {"system", "Be brief."},
                 {"messages", {{{"role", "user"}, {"content", "Say hello"}}}}};
    auto response = fx.post(ApiKind::messages, body, {{"anthropic-version", "2023-06-01"}});
    REQUIRE(response.status == 200);
    json out = json::parse(response.body);
    CHECK(out["type"] == "message");
    CHECK(out["role"] == "assistant");
    CHECK(out["content"][0]["type"] == "text");
    CHECK(out["content"][0]["text"] == "translated");
    CHECK(out["usage"]["input_tokens"] == 20);
    CHECK(out["usage"]["output_tokens"] == 7);
    auto sent = fx.transport.sent();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].url == std::string(k_openai) + "/chat/completions");
    CHECK(sent[0].body["messages"][0]["role"] == "system");
    CHECK(sent[0].body["messages"][0]["content"] == "Be brief.");
    CHECK(sent[0].body["max_tokens"] == 300); // gpt-4o-mini is not a reasoning model
    CHECK_FALSE(sent[0].body.contains("system"));
}

TEST_CASE("chain: a context-length error moves on to deployments of models with a larger window") {
    ChainFixture fx;
    fx.transport.script(k_openai, {openai_error(400, "context_length_exceeded", "maximum context length is 128000 tokens"),
                                   openai_answer("bigger", "fits now")});
    fx.transport.script(k_openrouter, {openai_answer("bigger", "fits now")});
    auto response = fx.post(ApiKind::chat_completions, chat_body("gpt-4o-mini"));
    CHECK(response.status == 200);
    auto sent = fx.transport.sent();
    REQUIRE(sent.size() == 2);
    CHECK(sent[0].body["model"] == "gpt-4o-mini");
    // The same model elsewhere has the same window: the rest of the chain was replaced.
    CHECK(sent[1].body["model"] != "openai/gpt-4o-mini");
    std::string next = header(response, "x-megarouter-model");
    const auto& catalog = fx.shared.snapshot()->catalog;
    REQUIRE(catalog.find(next) != nullptr);
    CHECK(catalog.find(next)->context_window > catalog.find("gpt-4o-mini")->context_window);
}

TEST_CASE("chain: with every deployment of a model cooling down after a 429, the answer is a 429 with Retry-After") {
    ChainFixture fx;
    upstream::Headers wait{{"Retry-After", "30"}};
    fx.transport.script(k_openai, {openai_error(429, "rate_limit_exceeded", "slow down", wait)});
    fx.transport.script(k_openrouter, {openai_error(429, "rate_limit_exceeded", "slow down", wait)});
    fx.transport.script(k_anthropic, {openai_error(429, "rate_limit_exceeded", "slow down", wait)});
    auto first = fx.post(ApiKind::chat_completions, chat_body("gpt-4o-mini"));
    CHECK(first.status != 200); // comparable models were tried too, and nothing answered
    std::size_t tried = fx.transport.sent().size();
    CHECK(tried >= 2);

    auto second = fx.post(ApiKind::chat_completions, chat_body("gpt-4o-mini"));
    CHECK(second.status == 429);
    int retry_after = std::atoi(header(second, "Retry-After").c_str());
    CHECK(retry_after >= 29);
    CHECK(retry_after <= 30);
    CHECK(fx.transport.sent().size() == tried); // nothing was called
}

TEST_CASE("chain: a Responses request passes through to OpenAI's /responses and is metered from its usage") {
    ChainFixture fx;
    json answer_body = {{"id", "resp_fake"}, {"object", "response"}, {"status", "completed"}, {"model", "gpt-4o-mini"},
                        {"output", {{{"type", "message"}, {"id", "msg_1"}, {"role", "assistant"},
                                     {"content", {{{"type", "output_text"}, {"text", "passed"}}}}}}},
                        {"usage", {{"input_tokens", 1000000}, {"output_tokens", 0}, {"total_tokens", 1000000}}}};
    fx.transport.script(k_openai, {json_answer(200, answer_body)});
    json body = {{"model", "gpt-4o-mini"}, {"input", "Say hello"}, {"store", false}, {"prompt_cache_key", "abc"}};
    auto response = fx.post(ApiKind::responses, body);
    REQUIRE(response.status == 200);
    CHECK(json::parse(response.body) == answer_body);
    auto sent = fx.transport.sent();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].url == std::string(k_openai) + "/responses");
    CHECK(sent[0].body["input"] == "Say hello");
    CHECK(sent[0].body["prompt_cache_key"] == "abc"); // untranslated
    // A million input tokens of gpt-4o-mini at $0.15 per million.
    CHECK(std::stod(header(response, "x-megarouter-cost-usd")) == doctest::Approx(0.15));
}

TEST_CASE("chain: a Responses request for an Anthropic model is translated, and what it cannot carry is named") {
    ChainFixture fx;
    fx.transport.script(k_anthropic, {anthropic_answer("claude-haiku-4-5", "translated from messages")});
    json body = {{"model", "claude-haiku-4-5"}, {"instructions", "Be brief."}, {"input", "Say hello"},
                 {"max_output_tokens", 200}, {"tools", {{{"type", "web_search"}}}}};
    auto response = fx.post(ApiKind::responses, body);
    REQUIRE(response.status == 200);
    json out = json::parse(response.body);
    CHECK(out["object"] == "response");
    CHECK(out["status"] == "completed");
    CHECK(out["output"][0]["content"][0]["type"] == "output_text");
    CHECK(out["output"][0]["content"][0]["text"] == "translated from messages");
    CHECK(header(response, "x-megarouter-dropped").find("web_search") != std::string::npos);
    auto sent = fx.transport.sent();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].url == std::string(k_anthropic) + "/v1/messages");
    CHECK(sent[0].body["system"] == "Be brief.");
    CHECK(sent[0].body["max_tokens"] == 200);
}
