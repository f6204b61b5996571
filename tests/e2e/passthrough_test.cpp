// End-to-end: models newer than the catalog (issue 19, item 1). Codex asks
// for its default model before the catalog knows it; the proxy passes such
// a request to the provider it names or whose naming it follows, prices it
// (config, a sibling's estimate, or the unpriced default), and the ledger,
// the spend report and the response headers say which.
#include "e2e/governance_fixture.hpp"

using namespace gov_e2e;
using nlohmann::json;

TEST_CASE("pass-through e2e: models the catalog does not list reach their provider, priced, in the ledger") {
    GovFixture fx("[prices.\"anthropic/claude-opus-9\"]\ninput = 2\noutput = 10\n");
    fx.hierarchy("acme/eng/platform/alice");
    auto [id, secret] = fx.key("acme/eng/platform/alice");
    fx.start();

    // Codex's default model, bare: OpenAI's naming, priced from gpt-6-sol.
    auto bare = fx.chat(secret, "gpt-6.2-sol");
    REQUIRE(bare);
    REQUIRE_MESSAGE(bare->status == 200, bare->body);
    CHECK(bare->get_header_value("x-megarouter-model") == "gpt-6.2-sol");
    CHECK(bare->get_header_value("x-megarouter-provider") == "openai");
    CHECK(bare->get_header_value("x-megarouter-pricing") == "estimate from gpt-6-sol");
    CHECK(cost_nanos(bare) > 0);
    auto seen = fx.mock.requests();
    REQUIRE(!seen.empty());
    CHECK(seen.back().path == "/v1/chat/completions");
    CHECK(json::parse(seen.back().body)["model"] == "gpt-6.2-sol");

    // provider/model, and a streamed answer carries the header too.
    auto client = fx.client();
    json streamed_body = {{"model", "openai/gpt-6.2-sol"}, {"stream", true}, {"max_tokens", 16},
                          {"messages", {{{"role", "user"}, {"content", "Hi"}}}}};
    auto streamed = client.Post("/v1/chat/completions", {{"Authorization", "Bearer " + secret}}, streamed_body.dump(),
                                "application/json");
    REQUIRE(streamed);
    CHECK_MESSAGE(streamed->status == 200, streamed->body);
    CHECK(streamed->get_header_value("x-megarouter-pricing") == "estimate from gpt-6-sol");
    CHECK(streamed->body.find("data: [DONE]") != std::string::npos);

    // Priced by the config's [prices] entry, translated to Anthropic messages.
    auto priced = fx.chat(secret, "claude-opus-9");
    REQUIRE(priced);
    CHECK_MESSAGE(priced->status == 200, priced->body);
    CHECK(priced->get_header_value("x-megarouter-provider") == "anthropic");
    CHECK(priced->get_header_value("x-megarouter-pricing") == "config");
    CHECK(fx.mock.requests().back().path == "/v1/messages");
    CHECK(json::parse(fx.mock.requests().back().body)["model"] == "claude-opus-9");

    // No sibling, no price: charged at the unpriced default.
    auto unpriced = fx.chat(secret, "gpt-7-zephyr");
    REQUIRE(unpriced);
    CHECK_MESSAGE(unpriced->status == 200, unpriced->body);
    CHECK(unpriced->get_header_value("x-megarouter-pricing") == "unpriced");

    // Models of an unconfigured provider, and names no provider owns, keep the 404.
    auto google = fx.chat(secret, "gemini-9-pro");
    REQUIRE(google);
    CHECK(google->status == 404);
    CHECK(json::parse(google->body)["error"]["code"] == "model_not_found");
    CHECK(google->body.find("set GEMINI_API_KEY") != std::string::npos);
    auto nobody = fx.chat(secret, "llama-9-70b");
    REQUIRE(nobody);
    CHECK(nobody->status == 404);
    CHECK(nobody->body.find("<provider>/llama-9-70b") != std::string::npos);

    fx.stop();
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM ledger WHERE pricing = 'estimate' AND routed_model = 'gpt-6.2-sol' "
                          "AND provider = 'openai' AND cost_nanos > 0 AND user_path = 'acme/eng/platform/alice'") == 2);
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM ledger WHERE pricing = 'config' AND routed_model = 'claude-opus-9'") == 1);
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM ledger WHERE pricing = 'unpriced' AND cost_nanos > 0") == 1);
    // The cost is the configured price applied to the tokens.
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM ledger WHERE routed_model = 'claude-opus-9' AND cost_nanos = "
                          "input_tokens * 2000 + output_tokens * 10000") == 1);

    json report = fx.cli_json({"spend", "--no-budgets"});
    INFO(report.dump());
    std::map<std::string, std::int64_t> requests;
    for (const json& p : report["pricing"]) requests[p["pricing"]] = p["requests"];
    CHECK(requests == std::map<std::string, std::int64_t>{{"config", 1}, {"estimate", 2}, {"unpriced", 1}});
    auto table = fx.cli({"spend", "--no-budgets"});
    CHECK(table.out.find("2 requests") != std::string::npos);
    CHECK(table.out.find("priced as an estimate") != std::string::npos);
}

TEST_CASE("pass-through e2e: an unpriced model is charged against the budget, and refuse keeps the 404") {
    GovFixture fx("[routing]\nunpriced_input_price = 1000\nunpriced_output_price = 1000\n");
    fx.hierarchy("acme/eng/platform/alice");
    auto [id, secret] = fx.key("acme/eng/platform/alice");
    fx.cli_json({"budget", "set", "acme/eng/platform", "--usd", "0.07", "--period", "monthly", "--alert", "0",
                 "--downgrade", "0"});
    fx.start();
    // At $1000 per million tokens a request's worst case (45 input tokens at
    // most, 16 output) is $0.061: the first fits the $0.07 budget, and after
    // its answer is charged the second does not. A model charged at 0 would
    // always fit.
    auto first = fx.chat(secret, "gpt-7-zephyr");
    REQUIRE(first);
    CHECK_MESSAGE(first->status == 200, first->body);
    CHECK(cost_nanos(first) >= 1'000'000);
    auto second = fx.chat(secret, "gpt-7-zephyr");
    REQUIRE(second);
    CHECK_MESSAGE(second->status == 429, second->body);
    CHECK(second->body.find("budget exceeded") != std::string::npos);
    // What to do about it, in the same message (issue 19 item 12).
    CHECK(second->body.find("an admin can raise it: megarouter budget set acme/eng/platform --usd N") !=
          std::string::npos);
    fx.stop();

    // Refusing is about the model, not the budget: ask as someone without one.
    fx.hierarchy("acme/ops/sre/bob");
    auto [bob_id, bob_secret] = fx.key("acme/ops/sre/bob");
    std::ofstream(fx.home / "config.toml", std::ios::app) << "unknown_models = \"refuse\"\n";
    fx.start();
    auto refused = fx.chat(bob_secret, "gpt-6.2-sol");
    REQUIRE(refused);
    CHECK(refused->status == 404);
    CHECK(refused->body.find("did you mean gpt-6-sol") != std::string::npos);
}
