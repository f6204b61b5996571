// Exact budgets on one gateway (issue 15): every request holds its worst
// case, so settled spend plus what is in flight never passes a block level,
// streamed or not, however many requests race for the last of a budget; and
// with [governance] fit_to_budget a request that does not fit is sent with a
// lower max_tokens instead of being refused.
#include <atomic>
#include <mutex>
#include <thread>

#include "e2e/governance_fixture.hpp"

using namespace gov_e2e;
using nlohmann::json;

namespace {

json sheep_request(bool stream, std::optional<int> max_tokens) {
    json body = {{"model", "gpt-4o"},
                 {"messages", {{{"role", "user"}, {"content", "Count the sheep in the field, please."}}}}};
    if (max_tokens) body["max_tokens"] = *max_tokens;
    if (stream) body["stream"] = true;
    return body;
}

httplib::Result post(const GovFixture& fx, const std::string& secret, const json& body) {
    auto c = fx.client();
    return c.Post("/v1/chat/completions", {{"Authorization", "Bearer " + secret}}, body.dump(), "application/json");
}

bool answered(const httplib::Result& r, bool stream) {
    if (!r || r->status != 200) return false;
    return !stream || r->body.find("data: [DONE]") != std::string::npos;
}

} // namespace

TEST_CASE("exact budgets: 200 requests at once, half of them streamed, then one at a time, never pass the block level") {
    GovFixture fx;
    std::int64_t cost = probe_cost(fx, "gpt-4o");
    std::int64_t amount = cost * 60 + cost / 2; // not a multiple: an answer too many would pass it
    fx.hierarchy("acme/eng/platform/alice");
    auto [id, secret] = fx.key("acme/eng/platform/alice");
    json budget = fx.cli_json({"budget", "set", "acme/eng/platform", "--usd", usd(amount), "--period", "monthly",
                               "--alert", "0", "--downgrade", "0"});
    std::int64_t budget_id = budget["id"].get<std::int64_t>();
    fx.start();
    // The mock's default answer (11 tokens, the probe's), a little late, so that the requests overlap.
    fx.mock.set_behavior("gpt-4o", megarouter::mock::Behavior{.first_byte_delay_ms = 100});

    constexpr int k_clients = 200;
    std::atomic<int> ok{0}, refused{0}, other{0};
    std::mutex mutex;
    std::string odd;
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < k_clients; ++i)
        threads.emplace_back([&, i] {
            while (!go) std::this_thread::yield();
            bool stream = i % 2 == 1;
            auto r = post(fx, secret, sheep_request(stream, 16));
            if (answered(r, stream)) ok++;
            else if (r && r->status == 429) refused++;
            else {
                other++;
                std::lock_guard lock(mutex);
                odd = body_of(r);
            }
        });
    go = true;
    for (auto& t : threads) t.join();
    MESSAGE("admitted " << ok.load() << " of " << k_clients << " at once; the budget has room for 60 answers");
    CHECK_MESSAGE(other == 0, odd);
    CHECK(ok >= 1);
    CHECK(ok + refused == k_clients);

    // One at a time, alternating streamed and not, until the budget refuses.
    int more = 0;
    std::string last;
    for (int i = 0; i < 80; ++i) {
        bool stream = i % 2 == 0;
        auto r = post(fx, secret, sheep_request(stream, 16));
        REQUIRE(r);
        if (!answered(r, stream)) {
            last = r->body;
            CHECK_MESSAGE(r->status == 429, r->body);
            break;
        }
        more++;
    }
    CHECK_MESSAGE(last.find("budget exceeded: team acme/eng/platform monthly budget") != std::string::npos, last);
    fx.stop();

    std::int64_t ledger_sum =
        scalar(fx.db(), "SELECT COALESCE(SUM(cost_nanos), 0) FROM ledger WHERE team = 'acme/eng/platform'");
    std::int64_t spent =
        scalar(fx.db(), "SELECT COALESCE(SUM(spent), 0) FROM gov_usage WHERE budget_id = " + std::to_string(budget_id));
    INFO("spent " << spent << " of " << amount << " nanos; " << ok.load() << " + " << more << " answers of " << cost);
    CHECK(spent <= amount); // the guarantee
    CHECK(ledger_sum == spent);
    CHECK(ledger_sum == (ok + more) * cost); // streamed answers cost what the others do: each counted once
    CHECK(scalar(fx.db(), "SELECT COUNT(*) - COUNT(DISTINCT request_id) FROM ledger") == 0);
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM ledger WHERE team = 'acme/eng/platform' AND status = 200") == ok + more);
    // It stopped for want of room, not early: less than one worst case was left
    // (a worst case here is well under 10 answers).
    CHECK(amount - spent < 10 * cost);
}

TEST_CASE("exact budgets: fit_to_budget lowers max_tokens to what the budget has left, says so, and the answer stops there") {
    GovFixture fx("[governance]\nfit_to_budget = true\n");
    std::int64_t cost = probe_cost(fx, "gpt-4o"); // the mock's default answer: 11 output tokens
    fx.hierarchy("acme/eng/platform/alice");
    auto [id, secret] = fx.key("acme/eng/platform/alice");
    // Room for the input and a few dozen output tokens, far from the worst
    // case of a request without max_tokens (gpt-4o's 16,384 output tokens).
    std::int64_t amount = cost * 30;
    json budget = fx.cli_json({"budget", "set", "acme/eng/platform", "--usd", usd(amount), "--period", "monthly",
                               "--alert", "0", "--downgrade", "0"});
    std::int64_t budget_id = budget["id"].get<std::int64_t>();
    fx.start();

    std::string words;
    for (int i = 0; i < 400; ++i) words += (i ? " w" : "w") + std::to_string(i);
    fx.mock.set_behavior("gpt-4o", megarouter::mock::Behavior{.text = words}); // 400 output tokens
    auto first = post(fx, secret, sheep_request(false, std::nullopt));
    REQUIRE(first);
    REQUIRE_MESSAGE(first->status == 200, first->body);
    std::string fit = first->get_header_value("x-megarouter-budget-fit");
    REQUIRE_MESSAGE(fit.rfind("max_tokens=", 0) == 0, fit);
    int capped = std::atoi(fit.c_str() + 11);
    CHECK(capped >= 64);
    CHECK(capped < 400);
    json answer = json::parse(first->body);
    // The mock honours the cap the gateway added (max_completion_tokens) and stops there.
    CHECK(answer["usage"]["completion_tokens"] == capped);
    CHECK(answer["choices"][0]["finish_reason"] == "length");
    CHECK(cost_nanos(first) <= amount);

    // Streamed, with the client's own max_tokens above what is left.
    json streamed = sheep_request(true, 4000);
    auto second = post(fx, secret, streamed);
    REQUIRE(second);
    if (second->status == 200) {
        CHECK(second->get_header_value("x-megarouter-budget-fit").rfind("max_tokens=", 0) == 0);
        CHECK(second->body.find("\"finish_reason\":\"length\"") != std::string::npos);
    } else {
        // Too little left even for the smallest fitted answer.
        CHECK_MESSAGE(second->status == 429, second->body);
        CHECK(second->body.find("left before its block level") != std::string::npos);
    }
    // Requests go on until not even 64 output tokens fit.
    std::string last;
    for (int i = 0; i < 20; ++i) {
        auto r = post(fx, secret, sheep_request(false, std::nullopt));
        REQUIRE(r);
        if (r->status != 200) {
            last = r->body;
            CHECK(r->status == 429);
            break;
        }
    }
    CHECK_MESSAGE(last.find("budget exceeded") != std::string::npos, last);
    fx.stop();
    std::int64_t spent =
        scalar(fx.db(), "SELECT COALESCE(SUM(spent), 0) FROM gov_usage WHERE budget_id = " + std::to_string(budget_id));
    CHECK(spent <= amount);
    CHECK(spent == scalar(fx.db(), "SELECT COALESCE(SUM(cost_nanos), 0) FROM ledger WHERE team = 'acme/eng/platform'"));
}

TEST_CASE("exact budgets: without fit_to_budget a request whose worst case does not fit is refused, naming both figures") {
    GovFixture fx;
    std::int64_t cost = probe_cost(fx, "gpt-4o");
    fx.hierarchy("acme/eng/platform/alice");
    auto [id, secret] = fx.key("acme/eng/platform/alice");
    fx.cli_json({"budget", "set", "acme/eng/platform", "--usd", usd(cost * 30), "--period", "monthly", "--alert", "0",
                 "--downgrade", "0"});
    fx.start();
    // No max_tokens: the worst case is gpt-4o's whole output, far above the budget.
    auto refused = post(fx, secret, sheep_request(false, std::nullopt));
    REQUIRE(refused);
    CHECK(refused->status == 429);
    std::string message = json::parse(refused->body)["error"]["message"].get<std::string>();
    CHECK_MESSAGE(message.find("left before its block level and this request could cost up to") != std::string::npos,
                  message);
    CHECK_MESSAGE(message.find("lower max_tokens") != std::string::npos, message);
    CHECK_MESSAGE(message.find("resets at") != std::string::npos, message);
    // Nothing is held by requests in flight: retrying cannot help.
    CHECK(refused->get_header_value("x-should-retry") == "false");
    // The same request with a small max_tokens fits.
    auto small = post(fx, secret, sheep_request(false, 16));
    REQUIRE(small);
    CHECK_MESSAGE(small->status == 200, small->body);
}
