// End-to-end: failover across deployments, ejection visible on
// /health/deployments, a stream cut after its first chunk ending with an
// explicit error, and errors in the caller's format.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "e2e/proxy_harness.hpp"

using nlohmann::json;
using proxy_e2e::ProxyFixture;

namespace {

std::string chat(const std::string& model, bool stream) {
    return json{{"model", model}, {"stream", stream}, {"messages", {{{"role", "user"}, {"content", "Say hello"}}}}}.dump();
}

megarouter::mock::Behavior failing(int status) {
    megarouter::mock::Behavior b;
    b.status = status;
    return b;
}

} // namespace

TEST_CASE("proxy e2e: a failing primary fails over to the next deployment and is ejected") {
    ProxyFixture fx;
    auto client = fx.client();
    fx.mock.set_behavior("gpt-4o-mini", failing(503)); // openai's id; openrouter's is openai/gpt-4o-mini
    for (int i = 0; i < 3; ++i) {
        auto answer = client.Post("/v1/chat/completions", chat("gpt-4o-mini", false), "application/json");
        REQUIRE(answer);
        CHECK(answer->status == 200);
        if (i == 0) {
            CHECK(answer->get_header_value("x-megarouter-attempts") == "2");
            CHECK(answer->get_header_value("x-megarouter-provider") == "openrouter");
            CHECK(answer->get_header_value("x-megarouter-fallback") == "true");
        }
    }
    auto health = client.Get("/health/deployments");
    REQUIRE(health);
    auto list = json::parse(health->body)["deployments"];
    bool ejected = false;
    for (const auto& d : list)
        if (d["deployment"] == "openai/gpt-4o-mini") ejected = d["state"] == "ejected" && !d["ejected_until"].is_null();
    CHECK_MESSAGE(ejected, health->body);
    // Once ejected, the primary is skipped: one attempt goes straight to openrouter.
    auto skipped = client.Post("/v1/chat/completions", chat("gpt-4o-mini", false), "application/json");
    REQUIRE(skipped);
    CHECK(skipped->get_header_value("x-megarouter-attempts") == "1");
    CHECK(skipped->get_header_value("x-megarouter-provider") == "openrouter");
}

TEST_CASE("proxy e2e: 429 with Retry-After and a stream that times out both fail over") {
    ProxyFixture fx;
    auto client = fx.client();
    auto limited = failing(429);
    limited.retry_after = 30;
    fx.mock.set_behavior("gpt-4o-mini", limited);
    auto answer = client.Post("/v1/chat/completions", chat("gpt-4o-mini", true), "application/json");
    REQUIRE(answer);
    CHECK(answer->status == 200);
    CHECK(answer->get_header_value("x-megarouter-provider") == "openrouter");
    CHECK(answer->body.find("[DONE]") != std::string::npos);

    megarouter::mock::Behavior slow;
    slow.first_byte_delay_ms = 8000; // beyond idle_stream_timeout_s = 5
    fx.mock.set_behavior("gpt-4o", slow);
    auto timed = client.Post("/v1/chat/completions", chat("gpt-4o", false), "application/json");
    REQUIRE(timed);
    CHECK(timed->status == 200);
    CHECK(timed->get_header_value("x-megarouter-attempts") != "1");
}

TEST_CASE("proxy e2e: when every deployment of a named model fails, a comparable model answers") {
    ProxyFixture fx;
    auto client = fx.client();
    fx.mock.set_behavior("gpt-4o-mini", failing(503));        // at openai
    fx.mock.set_behavior("openai/gpt-4o-mini", failing(503)); // at openrouter
    auto answer = client.Post("/v1/chat/completions", chat("gpt-4o-mini", false), "application/json");
    REQUIRE(answer);
    CHECK(answer->status == 200);
    CHECK(answer->get_header_value("x-megarouter-attempts") == "3");
    CHECK(answer->get_header_value("x-megarouter-fallback") == "true");
    CHECK(answer->get_header_value("x-megarouter-model") != "gpt-4o-mini");
    CHECK(answer->get_header_value("x-megarouter-model") != "");
}

TEST_CASE("proxy e2e: every deployment failing answers the upstream status in the caller's format") {
    ProxyFixture fx;
    auto client = fx.client();
    auto limited = failing(429);
    limited.retry_after = 7;
    fx.mock.set_behavior("*", limited);
    auto answer = client.Post("/v1/chat/completions", chat("gpt-4o-mini", false), "application/json");
    REQUIRE(answer);
    CHECK(answer->status == 429);
    CHECK(answer->has_header("Retry-After"));
    CHECK(json::parse(answer->body)["error"].contains("message"));
    auto anthropic = client.Post("/v1/messages", {{"anthropic-version", "2023-06-01"}},
                                 json{{"model", "gpt-4o-mini"}, {"max_tokens", 10}, {"stream", true},
                                      {"messages", {{{"role", "user"}, {"content", "hi"}}}}}.dump(),
                                 "application/json");
    REQUIRE(anthropic);
    CHECK(anthropic->status == 429); // no byte was sent: a real status, not a 200 stream
    auto body = json::parse(anthropic->body);
    CHECK(body["type"] == "error");
    CHECK(body["error"].contains("type"));
}

TEST_CASE("proxy e2e: a stream cut after its first chunk ends with an explicit error") {
    ProxyFixture fx;
    auto client = fx.client();
    megarouter::mock::Behavior cut;
    cut.cut_after_chunks = 1;
    cut.chunks = 5;
    fx.mock.set_behavior("*", cut);
    auto openai = client.Post("/v1/chat/completions", chat("gpt-4o-mini", true), "application/json");
    REQUIRE(openai);
    CHECK(openai->status == 200);
    CHECK(openai->body.find("data: {\"error\"") != std::string::npos);
    CHECK(openai->body.find("[DONE]") == std::string::npos);
    CHECK(openai->get_header_value("x-megarouter-attempts") == "1"); // no silent switch after bytes went out

    auto anthropic = client.Post("/v1/messages", {{"anthropic-version", "2023-06-01"}},
                                 json{{"model", "gpt-4o-mini"}, {"max_tokens", 10}, {"stream", true},
                                      {"messages", {{{"role", "user"}, {"content", "hi"}}}}}.dump(),
                                 "application/json");
    REQUIRE(anthropic);
    CHECK(anthropic->body.find("event: error") != std::string::npos);
    CHECK(anthropic->body.find("event: message_stop") == std::string::npos);
}

TEST_CASE("proxy e2e: bad input is answered with 4xx in the caller's format") {
    ProxyFixture fx;
    auto client = fx.client();
    SUBCASE("malformed JSON") {
        auto r = client.Post("/v1/chat/completions", "{not json", "application/json");
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(json::parse(r->body)["error"]["type"] == "invalid_request_error");
        auto a = client.Post("/v1/messages", "{not json", "application/json");
        REQUIRE(a);
        CHECK(a->status == 400);
        CHECK(json::parse(a->body)["type"] == "error");
    }
    SUBCASE("wrong types") {
        auto r = client.Post("/v1/chat/completions", R"({"model":"gpt-4o-mini","messages":5})", "application/json");
        REQUIRE(r);
        CHECK(r->status == 400);
    }
    SUBCASE("unknown model") {
        auto r = client.Post("/v1/chat/completions", chat("gpt-4o-minii", false), "application/json");
        REQUIRE(r);
        CHECK(r->status == 404);
        auto error = json::parse(r->body)["error"];
        CHECK(error["code"] == "model_not_found");
        CHECK(error["message"].get<std::string>().find("gpt-4o-mini") != std::string::npos);
    }
    SUBCASE("unknown endpoint") {
        auto r = client.Get("/v2/nothing");
        REQUIRE(r);
        CHECK(r->status == 404);
    }
    CHECK(fx.mock.requests().empty());
}

TEST_CASE("proxy e2e: an oversized body is refused with 413") {
    ProxyFixture fx;
    auto client = fx.client();
    std::string big(33 * 1024 * 1024, 'x');
    auto r = client.Post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}]}",
                         "application/json");
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(json::parse(r->body)["error"].contains("message"));
}
