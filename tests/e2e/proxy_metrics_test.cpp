// GET /metrics: the Prometheus text exposition after real traffic, checked
// line by line and by promtool (from Debian's prometheus package, which
// scripts/install-deps --test installs).
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>

#include "e2e/governance_fixture.hpp"
#include "e2e/proxy_harness.hpp"
#include "e2e/support.hpp"

using nlohmann::json;
using gov_e2e::GovFixture;
using proxy_e2e::ProxyFixture;

namespace {

// The value of the sample whose line starts with `series` (name and labels).
double sample(const std::string& text, const std::string& series) {
    std::size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 2));
}

// Scrapes /metrics (with `key`, if any) every 20 ms until `ready` holds of
// the text (a newline, then the exposition), at most `tries` times; returns
// the last text.
std::string scrape_until(httplib::Client& client, const std::string& key, int tries,
                         const std::function<bool(const std::string&)>& ready) {
    httplib::Headers headers;
    if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
    std::string text;
    for (int i = 0; i < tries; ++i) {
        auto scraped = client.Get("/metrics", headers);
        REQUIRE(scraped);
        REQUIRE(scraped->status == 200);
        CHECK(scraped->get_header_value("Content-Type").find("text/plain; version=0.0.4") == 0);
        text = "\n" + scraped->body;
        if (ready(text)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return text;
}

} // namespace

TEST_CASE("metrics e2e: requests, tokens, cost and latency histograms in the Prometheus format") {
    ProxyFixture fx;
    auto client = fx.client();
    for (int i = 0; i < 2; ++i) {
        auto r = client.Post("/v1/chat/completions",
                             R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})", "application/json");
        REQUIRE(r);
        CHECK(r->status == 200);
    }
    auto streamed = client.Post("/v1/messages", {{"anthropic-version", "2023-06-01"}},
                                R"({"model":"claude-haiku-4-5","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]})",
                                "application/json");
    REQUIRE(streamed);
    CHECK(streamed->status == 200);
    auto unknown = client.Post("/v1/chat/completions", R"({"model":"gpt-4o-minii","messages":[]})", "application/json");
    REQUIRE(unknown);
    // A failover: openai's deployment answers 503, openrouter's answers.
    megarouter::mock::Behavior down;
    down.status = 503;
    fx.mock.set_behavior("gpt-4o-mini", down);
    auto failed_over = client.Post("/v1/chat/completions",
                                   R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})", "application/json");
    REQUIRE(failed_over);
    CHECK(failed_over->get_header_value("x-megarouter-attempts") == "2");

    // The ledger and metrics are written as each request finishes: wait for the last one.
    std::string text = scrape_until(client, "", 100, [](const std::string& t) {
        return t.find("status_class=\"4xx\"") != std::string::npos;
    });
    CAPTURE(text);
    CHECK(sample(text, R"(megarouter_requests_total{endpoint="/v1/chat/completions",model="gpt-4o-mini",provider="openai",mode="balanced",status_class="2xx"})") == 2);
    CHECK(sample(text, R"(megarouter_requests_total{endpoint="/v1/messages",model="claude-haiku-4-5",provider="anthropic",mode="balanced",status_class="2xx"})") == 1);
    CHECK(sample(text, R"(megarouter_tokens_total{model="gpt-4o-mini",provider="openai",type="output"})") > 0);
    CHECK(sample(text, R"(megarouter_cost_usd_total{model="gpt-4o-mini",provider="openai"})") > 0);
    CHECK(sample(text, R"(megarouter_request_duration_seconds_count{endpoint="/v1/chat/completions"})") == 4);
    CHECK(sample(text, R"(megarouter_overhead_seconds_bucket{endpoint="/v1/chat/completions",le="+Inf"})") == 4);
    // Failovers by provider and reason; the GenAI conventions' histograms.
    CHECK(sample(text, R"(megarouter_attempt_failures_total{provider="openai",reason="upstream_unavailable"})") == 1);
    CHECK(sample(text, R"(megarouter_fallbacks_total{endpoint="/v1/chat/completions"})") == 1);
    CHECK(sample(text, R"(gen_ai_client_operation_duration_seconds_count{gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_response_model="gpt-4o-mini"})") == 2);
    CHECK(sample(text, R"(gen_ai_client_token_usage_count{gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_response_model="gpt-4o-mini",gen_ai_token_type="output"})") == 2);
    CHECK(sample(text, R"(gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_response_model="gpt-4o-mini",gen_ai_token_type="output",le="+Inf"})") == 2);
    CHECK(sample(text, "megarouter_open_connections") >= 1); // this scrape's own
    CHECK(sample(text, "megarouter_streams_in_flight") == 0);
    CHECK(sample(text, "megarouter_ledger_commits_total") >= 0); // present; how many depends on the flush timer
    CHECK(sample(text, R"(gen_ai_server_time_to_first_token_seconds_count{gen_ai_provider_name="anthropic"})") == 1);
    CHECK(sample(text, "process_resident_memory_bytes") > 1e6);
    CHECK(sample(text, "process_open_fds") > 3);
    CHECK(text.find("megarouter_build_info{version=") != std::string::npos);
    // The ledger is on (keys optional): every request's row is committed
    // within the writer's 50 ms window. (This was checked as 0, as if the
    // fixture ran --no-governance; it passed whenever the scrape beat the flush.)
    std::string flushed = scrape_until(client, "", 100, [](const std::string& t) {
        return sample(t, "megarouter_ledger_rows_total") >= 3;
    });
    CHECK(sample(flushed, "megarouter_ledger_rows_total") >= 3);
    CHECK(sample(flushed, "megarouter_ledger_commits_total") >= 1);
    // No key, user or prompt text in any label.
    CHECK(text.find("hi\"") == std::string::npos);

    // promtool's linter finds nothing to say.
    REQUIRE_MESSAGE(std::filesystem::exists("/usr/bin/promtool"), "scripts/install-deps --test installs prometheus");
    auto lint = megarouter::e2e::run({"/usr/bin/promtool", "check", "metrics"}, {}, text.substr(1));
    CHECK_MESSAGE(lint.exit_code == 0, lint.out << lint.err);
}

TEST_CASE("metrics e2e: with keys, /metrics wants one and shows budget usage and the ledger queue") {
    GovFixture fx;
    fx.hierarchy("acme/eng/platform/alice");
    auto [id, secret] = fx.key("acme/eng/platform/alice");
    fx.cli_json({"budget", "set", "acme/eng/platform", "--usd", "1", "--period", "monthly"});
    fx.cli_json({"budget", "set", "--key", id, "--usd", "1", "--period", "daily"});
    fx.start();
    auto answered = fx.chat(secret, "gpt-4o-mini");
    REQUIRE(answered);
    CHECK(answered->status == 200);
    auto client = fx.client();
    auto anonymous = client.Get("/metrics");
    REQUIRE(anonymous);
    CHECK(anonymous->status == 401);
    // The request settles just after its answer.
    std::string text = scrape_until(client, secret, 100, [](const std::string& t) {
        return sample(t, R"(megarouter_budget_usage_ratio{scope_kind="node",scope="acme/eng/platform",period="monthly"})") > 0;
    });
    CAPTURE(text);
    double ratio = sample(text, R"(megarouter_budget_usage_ratio{scope_kind="node",scope="acme/eng/platform",period="monthly"})");
    CHECK(ratio > 0);
    CHECK(ratio < 0.01); // one mock answer of a $1 budget
    CHECK(sample(text, R"(megarouter_budget_block_ratio{scope_kind="node",scope="acme/eng/platform",period="monthly"})") == 1);
    CHECK(sample(text, R"(megarouter_budget_guardrail_level{scope_kind="node",scope="acme/eng/platform",period="monthly"})") == 0);
    CHECK(sample(text, "megarouter_ledger_queue_rows") >= 0);
    CHECK(sample(text, "megarouter_webhook_outbox_pending") >= 0);
    CHECK(text.find(id) == std::string::npos); // the key's own budget is not a label: no key ids
    CHECK(text.find(secret) == std::string::npos);
}

TEST_CASE("metrics e2e: ledger commits are timed; per_key_metrics adds key ids; a budget shows the guardrail it reached") {
    GovFixture fx("[telemetry]\nper_key_metrics = true\n");
    fx.hierarchy("acme/eng/platform/alice");
    auto [id, secret] = fx.key("acme/eng/platform/alice");
    // A budget one mock answer ($0.00000795) takes past its 40% alert level,
    // with room for the request's worst case ($0.00001635: 45 input tokens
    // at most, 16 output).
    fx.cli_json({"budget", "set", "acme/eng/platform", "--usd", "0.000018", "--alert", "40", "--period", "monthly"});
    fx.start();
    auto answered = fx.chat(secret, "gpt-4o-mini");
    REQUIRE(answered);
    CHECK(answered->status == 200);
    auto client = fx.client();
    // The ledger commits within its flush interval.
    std::string text = scrape_until(client, secret, 200,
                                    [](const std::string& t) { return sample(t, "megarouter_ledger_rows_total") >= 1; });
    CAPTURE(text);
    CHECK(sample(text, "megarouter_ledger_rows_total") >= 1);
    CHECK(sample(text, "megarouter_ledger_commits_total") >= 1);
    CHECK(sample(text, "megarouter_ledger_commit_seconds_count") >= 1);
    CHECK(sample(text, R"(megarouter_ledger_commit_seconds_bucket{le="+Inf"})") >= 1);
    CHECK(sample(text, "megarouter_ledger_commit_seconds_sum") > 0);
    CHECK(sample(text, R"(megarouter_key_requests_total{key_id=")" + id + R"("})") == 1);
    CHECK(sample(text, R"(megarouter_key_cost_usd_total{key_id=")" + id + R"("})") > 0);
    CHECK(sample(text, R"(megarouter_budget_guardrail_level{scope_kind="node",scope="acme/eng/platform",period="monthly"})") == 1);
    CHECK(text.find(secret) == std::string::npos);
    auto lint = megarouter::e2e::run({"/usr/bin/promtool", "check", "metrics"}, {}, text.substr(1));
    CHECK_MESSAGE(lint.exit_code == 0, lint.out << lint.err);
}
