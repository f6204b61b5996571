// End-to-end: the proxy writes prompts and answers to the prompt log only
// when [server] log_prompts is on, streamed or not, in either client format.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <thread>

#include "e2e/proxy_harness.hpp"
#include "e2e/support.hpp"

using nlohmann::json;
using proxy_e2e::ProxyFixture;

namespace {

// `megarouter logs list --json` in the fixture's home, once it has `count`
// entries (or after 10 s, whatever it has).
json logged(const ProxyFixture& fx, std::size_t count) {
    json list = json::array();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    do {
        auto out = megarouter::e2e::run_megarouter({"logs", "list", "--json"}, {{"MEGAROUTER_HOME", fx.home.string()}});
        if (out.exit_code == 0) list = json::parse(out.out, nullptr, false);
        if (list.is_array() && list.size() >= count) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (std::chrono::steady_clock::now() < deadline);
    return list;
}

} // namespace

TEST_CASE("proxy e2e: with log_prompts on, prompts and answers reach the prompt log") {
    ProxyFixture fx("", {}, "log_prompts = true");
    auto client = fx.client();
    json chat = {{"model", "gpt-4o-mini"},
                 {"messages", {{{"role", "system"}, {"content", "Be brief."}}, {{"role", "user"}, {"content", "What is two plus two?"}}}}};
    auto plain = client.Post("/v1/chat/completions", chat.dump(), "application/json");
    REQUIRE(plain);
    REQUIRE(plain->status == 200);
    std::string answered = json::parse(plain->body)["choices"][0]["message"]["content"];

    json messages = {{"model", "claude-sonnet-4-5"}, {"max_tokens", 50}, {"stream", true},
                     {"messages", {{{"role", "user"}, {"content", "Name a colour."}}}}};
    auto streamed = client.Post("/v1/messages", {{"anthropic-version", "2023-06-01"}, {"x-claude-code-session-id", "sess-42"}},
                                messages.dump(), "application/json");
    REQUIRE(streamed);
    REQUIRE(streamed->status == 200);

    json list = logged(fx, 2);
    REQUIRE_MESSAGE(list.size() == 2, list.dump());
    const json& first = list[1]; // newest first
    const json& second = list[0];
    CHECK(first["prompt"] == "What is two plus two?");
    CHECK(first["system"] == "Be brief.");
    CHECK(first["response"] == answered);
    CHECK(first["model"] == "gpt-4o-mini");
    CHECK(first["status"] == "ok");
    CHECK(first["request_id"] == plain->get_header_value("x-request-id"));
    CHECK(second["prompt"] == "Name a colour.");
    CHECK(second["conversation_id"] == "sess-42");
    CHECK_FALSE(second["response"].get<std::string>().empty());
    CHECK(streamed->body.find(second["response"].get<std::string>().substr(0, 3)) != std::string::npos);
}

TEST_CASE("proxy e2e: without log_prompts the proxy logs no prompt") {
    ProxyFixture fx;
    auto client = fx.client();
    json chat = {{"model", "gpt-4o-mini"}, {"messages", {{{"role", "user"}, {"content", "secret plans"}}}}};
    auto plain = client.Post("/v1/chat/completions", chat.dump(), "application/json");
    REQUIRE(plain);
    REQUIRE(plain->status == 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto out = megarouter::e2e::run_megarouter({"logs", "list", "--json"}, {{"MEGAROUTER_HOME", fx.home.string()}});
    CHECK(out.exit_code == 0);
    json list = json::parse(out.out, nullptr, false);
    CHECK((list.is_array() && list.empty()));
}
