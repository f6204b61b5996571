// Translated requests lose nothing silently (issue 19, item 10; the table is
// docs/translation.md): what would change the answer's meaning is refused
// with a 400 naming the field, the rest is named in x-megarouter-dropped,
// and what can be emulated is.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sstream>
#include <thread>

#include "e2e/proxy_harness.hpp"

using nlohmann::json;
using proxy_e2e::ProxyFixture;

namespace {

json chat_body(const std::string& model) {
    return {{"model", model}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
}

httplib::Headers anthropic_headers() { return {{"anthropic-version", "2023-06-01"}}; }

json anthropic_body(const std::string& model, json content) {
    return {{"model", model}, {"max_tokens", 100}, {"messages", {{{"role", "user"}, {"content", content}}}}};
}

} // namespace

TEST_CASE("translation e2e: OpenAI chat to Anthropic refuses what it cannot carry and names what it drops") {
    ProxyFixture fx;
    auto client = fx.client();

    // claude-opus-9 is newer than the catalog: Anthropic is its only deployment.
    json two = chat_body("claude-opus-9");
    two["n"] = 2;
    auto refused = client.Post("/v1/chat/completions", two.dump(), "application/json");
    REQUIRE(refused);
    CHECK(refused->status == 400);
    json error = json::parse(refused->body)["error"];
    CHECK(error["message"].get<std::string>().find("n cannot be translated to Anthropic messages") != std::string::npos);
    CHECK(fx.mock.requests().empty()); // nothing was sent

    // A model with a deployment in the caller's format skips the one that
    // would lose the field: OpenRouter serves Claude over OpenAI chat.
    two["model"] = "claude-haiku-4-5";
    auto skipped = client.Post("/v1/chat/completions", two.dump(), "application/json");
    REQUIRE(skipped);
    CHECK(skipped->status == 200);
    CHECK(skipped->get_header_value("x-megarouter-provider") == "openrouter");
    CHECK(json::parse(fx.mock.requests().back().body)["n"] == 2);

    // The same request on an OpenAI model passes through untouched.
    two["model"] = "gpt-4o-mini";
    auto passed = client.Post("/v1/chat/completions", two.dump(), "application/json");
    REQUIRE(passed);
    CHECK(passed->status == 200);
    CHECK_FALSE(passed->has_header("x-megarouter-dropped"));
    CHECK(json::parse(fx.mock.requests().back().body)["n"] == 2);

    json hinted = chat_body("claude-haiku-4-5");
    hinted["metadata"] = {{"team", "a"}};
    hinted["prompt_cache_key"] = "k1";
    hinted["store"] = false; // says nothing: not named
    hinted["reasoning_effort"] = "xhigh";
    auto named = client.Post("/v1/chat/completions", hinted.dump(), "application/json");
    REQUIRE(named);
    CHECK(named->status == 200);
    CHECK(named->get_header_value("x-megarouter-dropped") == "metadata,prompt_cache_key");
    json sent = json::parse(fx.mock.requests().back().body);
    CHECK_FALSE(sent.contains("metadata"));
    // xhigh is emulated as the largest thinking budget, not dropped.
    CHECK(sent["thinking"]["budget_tokens"] == 32768);
}

TEST_CASE("translation e2e: Anthropic messages to OpenAI refuse documents and name cache_control") {
    ProxyFixture fx;
    auto client = fx.client();
    json document = {{{"type", "document"},
                      {"source", {{"type", "text"}, {"media_type", "text/plain"}, {"data", "the contract"}}}},
                     {{"type", "text"}, {"text", "summarise"}}};
    auto refused = client.Post("/v1/messages", anthropic_headers(), anthropic_body("gpt-4o-mini", document).dump(),
                               "application/json");
    REQUIRE(refused);
    CHECK(refused->status == 400);
    CHECK(json::parse(refused->body)["type"] == "error");
    CHECK(refused->body.find("document blocks cannot be translated to OpenAI chat completions") != std::string::npos);
    CHECK(fx.mock.requests().empty());

    json cached = {{{"type", "text"}, {"text", "hi"}, {"cache_control", {{"type", "ephemeral"}}}}};
    auto named = client.Post("/v1/messages", anthropic_headers(), anthropic_body("gpt-4o-mini", cached).dump(),
                             "application/json");
    REQUIRE(named);
    CHECK(named->status == 200);
    CHECK(named->get_header_value("x-megarouter-dropped") == "cache_control");
}

TEST_CASE("translation e2e: Responses to Anthropic: stored state is refused, data-URL images go inline") {
    ProxyFixture fx;
    auto client = fx.client();
    json chained = {{"model", "claude-haiku-4-5"}, {"input", "and then?"}, {"previous_response_id", "resp_123"}};
    auto refused = client.Post("/v1/responses", chained.dump(), "application/json");
    REQUIRE(refused);
    CHECK(refused->status == 400);
    CHECK(refused->body.find("previous_response_id cannot be translated") != std::string::npos);
    CHECK(fx.mock.requests().empty());

    const std::string pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    json image = {{"model", "claude-haiku-4-5"},
                  {"input",
                   {{{"role", "user"},
                     {"content",
                      {{{"type", "input_text"}, {"text", "what is this?"}},
                       {{"type", "input_image"}, {"image_url", "data:image/png;base64," + pixel}}}}}}}};
    auto answered = client.Post("/v1/responses", image.dump(), "application/json");
    REQUIRE(answered);
    CHECK(answered->status == 200);
    json sent = json::parse(fx.mock.requests().back().body);
    json source = sent["messages"][0]["content"][1]["source"];
    CHECK(source["type"] == "base64");
    CHECK(source["media_type"] == "image/png");
    CHECK(source["data"] == pixel);
}

TEST_CASE("translation e2e: a chat stream carries the usage chunk only when the client asked for it") {
    ProxyFixture fx;
    auto client = fx.client();
    for (const char* model : {"gpt-4o-mini", "claude-haiku-4-5"}) { // passed through, translated
        CAPTURE(model);
        json body = chat_body(model);
        body["stream"] = true;
        auto quiet = client.Post("/v1/chat/completions", body.dump(), "application/json");
        REQUIRE(quiet);
        CHECK(quiet->status == 200);
        CHECK(quiet->body.find("\"choices\":[]") == std::string::npos);
        CHECK(quiet->body.find("data: [DONE]") != std::string::npos);
        // Still metered: the proxy asked the upstream for usage and counted it.
        json line = json::parse(fx.access_line(quiet->get_header_value("x-request-id")));
        CHECK(line["output_tokens"].get<int>() > 0);
        CHECK(line["cost_usd"].get<double>() > 0);

        body["stream_options"] = {{"include_usage", true}};
        auto asked = client.Post("/v1/chat/completions", body.dump(), "application/json");
        REQUIRE(asked);
        CHECK(asked->status == 200);
        auto at = asked->body.find("\"choices\":[]");
        REQUIRE(at != std::string::npos);
        CHECK(asked->body.find("\"usage\":{", at) != std::string::npos);
    }
}
