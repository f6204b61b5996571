// End-to-end governance through the real binaries: organisations, keys,
// budgets and webhooks made with the `megarouter` CLI in a temporary home,
// then `megarouter serve` in front of the mock provider enforcing them
// (401/403/429, downgrade, concurrency bound, webhook delivery, kill -9).
#include <atomic>
#include <mutex>
#include <set>

#include "e2e/governance_fixture.hpp"

using namespace gov_e2e;
using nlohmann::json;
using proxy_e2e::read_text;
using namespace std::chrono_literals;

TEST_CASE("governance e2e: unknown and revoked keys get 401, revocation by the CLI holds from the next request") {
    GovFixture fx;
    fx.hierarchy("acme/eng/platform/alice");
    auto [id, secret] = fx.key("acme/eng/platform/alice");
    auto [other_id, other] = fx.key("acme/eng/platform/alice", {"--name", "second"});
    fx.start({"MEGAROUTER_MASTER_KEY=mk-test-master"});

    auto none = fx.chat("", "gpt-4o-mini");
    REQUIRE(none);
    CHECK(none->status == 401);
    auto bogus = fx.chat("mr-notARealKey000000000000000000000000000000", "gpt-4o-mini");
    REQUIRE(bogus);
    CHECK(bogus->status == 401);
    auto ok = fx.chat(secret, "gpt-4o-mini");
    REQUIRE(ok);
    CHECK_MESSAGE(ok->status == 200, ok->body);

    // Revoked by another process while the proxy runs: the very next request fails.
    fx.cli_json({"keys", "revoke", id});
    fx.await_settings();
    auto revoked = fx.chat(secret, "gpt-4o-mini");
    REQUIRE(revoked);
    CHECK_MESSAGE(revoked->status == 401, revoked->body);
    auto still = fx.chat(other, "gpt-4o-mini");
    REQUIRE(still);
    CHECK_MESSAGE(still->status == 200, still->body);

    // The admin API is mounted: the master key may list nodes, a member key may not.
    auto c = fx.client();
    auto nodes = c.Get("/admin/nodes", {{"Authorization", "Bearer mk-test-master"}});
    REQUIRE(nodes);
    CHECK_MESSAGE(nodes->status == 200, nodes->body);
    CHECK(nodes->body.find("acme/eng/platform/alice") != std::string::npos);
    std::string new_key = json{{"owner", "acme/eng/platform/alice"}}.dump();
    auto by_member = c.Post("/admin/keys", {{"Authorization", "Bearer " + other}}, new_key, "application/json");
    REQUIRE(by_member);
    CHECK_MESSAGE(by_member->status == 403, by_member->body);
    auto by_master = c.Post("/admin/keys", {{"Authorization", "Bearer mk-test-master"}}, new_key, "application/json");
    REQUIRE(by_master);
    CHECK_MESSAGE(by_master->status == 200, by_master->body);
    std::string minted = json::parse(by_master->body).value("key", "");
    auto with_minted = fx.chat(minted, "gpt-4o-mini");
    REQUIRE(with_minted);
    CHECK_MESSAGE(with_minted->status == 200, minted << ": " << with_minted->body);
    auto anonymous = c.Get("/admin/keys");
    REQUIRE(anonymous);
    CHECK(anonymous->status == 401);
    // The ledger has the requests that got past authentication, not the 401s.
    fx.stop();
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM ledger WHERE status = 200") == 3);
    // Each row carries the baseline: the named model's cost for the same tokens.
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM ledger WHERE status = 200 AND cost_nanos > 0 "
                          "AND baseline_nanos = cost_nanos") == 3);
}

TEST_CASE("governance e2e: a key restricted to some models gets 403 naming the policy for another model") {
    GovFixture fx;
    fx.hierarchy("acme/eng/platform/alice");
    auto [id, secret] = fx.key("acme/eng/platform/alice", {"--model", "gpt-4o-mini"});
    fx.start();
    auto allowed = fx.chat(secret, "gpt-4o-mini");
    REQUIRE(allowed);
    CHECK_MESSAGE(allowed->status == 200, allowed->body);
    auto denied = fx.chat(secret, "gpt-4o");
    REQUIRE(denied);
    CHECK_MESSAGE(denied->status == 403, denied->body);
    CHECK_MESSAGE(denied->body.find("allowed_models") != std::string::npos, denied->body);
    CHECK_MESSAGE(denied->body.find("gpt-4o-mini") != std::string::npos, denied->body);

    // A policy naming a dated alias allows the canonical id, and the other way round.
    auto [dated_id, dated] = fx.key("acme/eng/platform/alice", {"--model", "gpt-4o-mini-2024-07-18"});
    fx.await_settings();
    auto by_id = fx.chat(dated, "gpt-4o-mini");
    REQUIRE(by_id);
    CHECK_MESSAGE(by_id->status == 200, by_id->body);
    auto by_alias = fx.chat(secret, "gpt-4o-mini-2024-07-18");
    REQUIRE(by_alias);
    CHECK_MESSAGE(by_alias->status == 200, by_alias->body);
    auto still_denied = fx.chat(dated, "gpt-4o");
    REQUIRE(still_denied);
    CHECK_MESSAGE(still_denied->status == 403, still_denied->body);
}

TEST_CASE("governance e2e: concurrent requests against a budget stop at its bound, then 429 naming budget, period and reset") {
    GovFixture fx;
    std::int64_t cost = probe_cost(fx, "gpt-4o");
    // Room for 40 answers, but each request holds its worst case (its input
    // at a token a byte and all 16 of its max_tokens: about 8x what the mock
    // answer costs), so far fewer are admitted at once.
    constexpr int k_room = 40;
    constexpr int k_clients = 80;   // fired at once
    std::int64_t amount = cost * k_room;
    fx.hierarchy("acme/eng/platform/alice");
    auto [id, secret] = fx.key("acme/eng/platform/alice");
    json budget = fx.cli_json({"budget", "set", "acme/eng/platform", "--usd", usd(amount), "--period", "monthly",
                               "--alert", "0", "--downgrade", "0"});
    std::int64_t budget_id = budget["id"].get<std::int64_t>();
    fx.start();

    std::atomic<int> ok{0}, refused{0}, other{0};
    std::mutex mutex;
    std::vector<std::string> odd;
    std::vector<std::thread> threads;
    std::atomic<bool> go{false};
    fx.mock.set_behavior("gpt-4o", megarouter::mock::Behavior{.first_byte_delay_ms = 150}); // overlap
    for (int i = 0; i < k_clients; ++i)
        threads.emplace_back([&] {
            while (!go) std::this_thread::yield();
            auto r = fx.chat(secret, "gpt-4o");
            if (r && r->status == 200) ok++;
            else if (r && r->status == 429) refused++;
            else {
                other++;
                std::lock_guard lock(mutex);
                odd.push_back(body_of(r));
            }
        });
    go = true;
    for (auto& t : threads) t.join();
    fx.mock.clear_behaviors();
    INFO("ok " << ok << ", 429 " << refused << ", cost per request " << cost << " nanos, budget " << amount);
    MESSAGE("admitted " << ok.load() << " of " << k_clients << " concurrent requests; room for " << k_room);
    CHECK(other == 0);
    if (!odd.empty()) MESSAGE(odd.front());
    CHECK(ok >= 1);
    // Admission needs spent + held + this request's worst case <= amount.
    CHECK(ok < k_room);
    CHECK(ok + refused == k_clients);

    // Sequential requests now: admitted until the budget is used up, then a
    // 429 that is final and says which budget, which period and when it resets.
    int last_status = 0;
    std::string last_body, last_retry;
    int more = 0;
    for (int i = 0; i < k_room + 2; ++i) {
        auto r = fx.chat(secret, "gpt-4o");
        REQUIRE(r);
        last_status = r->status;
        last_body = r->body;
        last_retry = r->get_header_value("x-should-retry");
        if (r->status != 200) break;
        more++;
    }
    CHECK(ok + more <= k_room);
    REQUIRE_MESSAGE(last_status == 429, last_body);
    CHECK(last_retry == "false");
    std::string message = json::parse(last_body)["error"]["message"].get<std::string>();
    CHECK_MESSAGE(message.find("team acme/eng/platform") != std::string::npos, message);
    CHECK_MESSAGE(message.find("monthly") != std::string::npos, message);
    CHECK_MESSAGE(message.find("resets at") != std::string::npos, message);

    // The ledger and the budget agree, with no request counted twice.
    fx.stop();
    std::int64_t ledger_sum = scalar(fx.db(), "SELECT COALESCE(SUM(cost_nanos), 0) FROM ledger WHERE team = 'acme/eng/platform'");
    std::int64_t spent = scalar(fx.db(), "SELECT COALESCE(SUM(spent), 0) FROM gov_usage WHERE budget_id = " + std::to_string(budget_id));
    CHECK(ledger_sum == spent);
    CHECK(ledger_sum == (ok + more) * cost);
    CHECK(spent <= amount); // never past the block level (100%), with 80 requests racing for it
    CHECK(scalar(fx.db(), "SELECT COUNT(*) - COUNT(DISTINCT request_id) FROM ledger") == 0);
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM ledger WHERE team = 'acme/eng/platform' AND status = 200") == ok + more);
    // Refused requests are attributed to the key's owner too (issue 17), so
    // `spend --node` of the user counts every request the user made.
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM ledger WHERE status = 429") > 0);
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM ledger WHERE status = 429 AND (user_path IS NULL OR user_path <> "
                          "'acme/eng/platform/alice' OR org <> 'acme' OR team <> 'acme/eng/platform')") == 0);
    json shown = fx.cli_json({"budget", "show", std::to_string(budget_id)});
    CHECK(shown["spent"].get<std::int64_t>() == spent);
    CHECK(shown["spent"].get<std::int64_t>() <= amount);
}

TEST_CASE("governance e2e: the downgrade guardrail forces a cost-mode pick and says so in a header") {
    GovFixture fx;
    std::string latency_model;
    std::int64_t cost = probe_cost(fx, "auto:latency", &latency_model);
    fx.hierarchy("acme/eng/platform/alice");
    auto [id, secret] = fx.key("acme/eng/platform/alice");
    // One latency-mode request passes the 50% downgrade line; blocking is far away.
    fx.cli_json({"budget", "set", "acme/eng/platform/alice", "--usd", usd(cost * 3 / 2), "--period", "daily",
                 "--alert", "0", "--downgrade", "50", "--block", "1000"});
    fx.start();
    auto before = fx.chat(secret, "auto:latency");
    REQUIRE(before);
    REQUIRE_MESSAGE(before->status == 200, before->body);
    CHECK(before->get_header_value("x-megarouter-model") == latency_model);
    CHECK(!before->has_header("x-megarouter-budget-downgrade"));

    auto after = fx.chat(secret, "auto:latency");
    REQUIRE(after);
    REQUIRE_MESSAGE(after->status == 200, after->body);
    std::string reason = after->get_header_value("x-megarouter-budget-downgrade");
    CHECK_MESSAGE(reason.find("user acme/eng/platform/alice daily budget") != std::string::npos, reason);
    CHECK(after->get_header_value("x-megarouter-mode") == "cost");
    // The routed model is what cost mode picks for the same request.
    auto c = fx.client();
    json ask = {{"model", "auto:cost"}, {"max_tokens", 16},
                {"messages", {{{"role", "user"}, {"content", "Count the sheep in the field, please."}}}}};
    auto route = c.Post("/v1/route", {{"Authorization", "Bearer " + secret}}, ask.dump(), "application/json");
    REQUIRE(route);
    REQUIRE_MESSAGE(route->status == 200, route->body);
    json plan = json::parse(route->body);
    std::string cost_pick = plan["chosen"].contains("model") ? plan["chosen"]["model"].get<std::string>() : plan["chosen"].dump();
    CHECK_MESSAGE(after->get_header_value("x-megarouter-model") == cost_pick, plan.dump());
    CHECK(after->get_header_value("x-megarouter-model") != latency_model);
}

namespace {

// A webhook receiver on loopback recording every POST.
struct Receiver {
    struct Hit {
        std::string event_id, timestamp, signature, body;
    };
    httplib::Server server;
    std::thread thread;
    std::mutex mutex;
    std::vector<Hit> hits;

    explicit Receiver(int port) {
        server.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(mutex);
            hits.push_back({req.get_header_value("X-Megarouter-Event-Id"), req.get_header_value("X-Megarouter-Timestamp"),
                            req.get_header_value("X-Megarouter-Signature"), req.body});
            res.set_content("{}", "application/json");
        });
        REQUIRE(server.bind_to_port("127.0.0.1", port));
        thread = std::thread([this] { server.listen_after_bind(); });
    }
    ~Receiver() {
        server.stop();
        thread.join();
    }
    std::vector<Hit> of_type(const std::string& type) {
        std::lock_guard lock(mutex);
        std::vector<Hit> out;
        for (const auto& h : hits) {
            json body = json::parse(h.body, nullptr, false);
            if (!body.is_discarded() && body.value("type", "") == type) out.push_back(h);
        }
        return out;
    }
    // Waits (bounded) until at least one event of `type` arrived.
    bool wait_for(const std::string& type, std::chrono::milliseconds limit) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            if (!of_type(type).empty()) return true;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }
};

void check_signed_once(Receiver& receiver, const std::string& secret, const std::string& node) {
    auto hits = receiver.of_type("budget.alert");
    REQUIRE(hits.size() == 1);
    const auto& hit = hits.front();
    json body = json::parse(hit.body);
    CHECK(body["id"] == hit.event_id);
    CHECK(body["node"] == node);
    CHECK(!body["summary"].get<std::string>().empty());
    std::string expected = "t=" + hit.timestamp + ",v1=" + hmac_hex(secret, hit.timestamp + "." + hit.body);
    CHECK(hit.signature == expected);
    CHECK(hit.signature != "t=" + hit.timestamp + ",v1=" + hmac_hex(secret + "x", hit.timestamp + "." + hit.body));
}

} // namespace

TEST_CASE("governance e2e: webhooks receive budget.alert once with a valid signature, also after being down") {
    GovFixture fx("[governance]\nallow_private_webhooks = true\n"); // the receivers are on loopback
    std::int64_t cost = probe_cost(fx, "gpt-4o");
    fx.hierarchy("acme/eng/platform/alice");
    auto [id, secret] = fx.key("acme/eng/platform/alice");
    fx.cli_json({"budget", "set", "acme/eng/platform", "--usd", usd(cost * 10), "--period", "monthly", "--alert", "20",
                 "--downgrade", "0"});
    int up_port = free_port(), down_port = free_port();
    REQUIRE(up_port > 0);
    REQUIRE(down_port > 0);
    fx.cli_json({"webhook", "add", "http://127.0.0.1:" + std::to_string(up_port) + "/hook", "--secret", "up-secret",
                 "--events", "budget.*"});
    fx.cli_json({"webhook", "add", "http://127.0.0.1:" + std::to_string(down_port) + "/hook", "--node", "acme/eng",
                 "--secret", "down-secret"});
    Receiver up(up_port);
    fx.start();
    // Three requests: 30% of the budget, past the 20% alert line once.
    for (int i = 0; i < 3; ++i) {
        auto r = fx.chat(secret, "gpt-4o");
        REQUIRE(r);
        REQUIRE_MESSAGE(r->status == 200, r->body);
    }
    bool arrived = up.wait_for("budget.alert", 10s);
    if (!arrived) {
        MESSAGE("alerts: " << fx.cli({"alerts", "list", "--json"}).out);
        MESSAGE("budgets: " << fx.cli({"budget", "list", "--json"}).out);
        MESSAGE("serve.log: " << read_text(fx.home / "serve.log"));
    }
    REQUIRE(arrived);
    check_signed_once(up, "up-secret", "acme/eng/platform");

    // The second receiver was down for the first attempt; it comes up and the
    // outbox delivers on a retry.
    std::this_thread::sleep_for(1500ms);
    auto pending = fx.cli_json({"alerts", "list"});
    MESSAGE("alerts while the receiver is down: " << pending.dump());
    Receiver late(down_port);
    CHECK(late.wait_for("budget.alert", 20s));
    std::this_thread::sleep_for(1500ms); // a duplicate would arrive here
    check_signed_once(late, "down-secret", "acme/eng/platform");
    check_signed_once(up, "up-secret", "acme/eng/platform");
    auto delivered = fx.cli_json({"alerts", "list", "--status", "delivered"});
    CHECK_MESSAGE(delivered.dump().find("budget.alert") != std::string::npos, delivered.dump());
}

TEST_CASE("governance e2e: kill -9 under load, restart, and the ledger agrees with the budget") {
    GovFixture fx("[governance]\nledger_flush_ms = 50\n");
    fx.hierarchy("acme/eng/platform/alice");
    auto [id, secret] = fx.key("acme/eng/platform/alice");
    json budget = fx.cli_json({"budget", "set", "acme/eng/platform", "--usd", "100", "--period", "monthly"});
    std::string budget_id = std::to_string(budget["id"].get<std::int64_t>());
    fx.start();

    std::atomic<bool> stop{false};
    std::atomic<int> answered{0};
    std::vector<std::thread> load;
    for (int i = 0; i < 24; ++i)
        load.emplace_back([&] {
            while (!stop) {
                auto r = fx.chat(secret, "gpt-4o-mini", R"({"text":"ok","first_byte_delay_ms":20})");
                if (r && r->status == 200) answered++;
                else if (!r) std::this_thread::sleep_for(20ms);
            }
        });
    auto deadline = std::chrono::steady_clock::now() + 10s;
    // Under load, with some rows committed (the writer may lag on a busy machine).
    while (std::chrono::steady_clock::now() < deadline &&
           (answered < 150 || scalar(fx.db(), "SELECT COUNT(*) FROM ledger") == 0))
        std::this_thread::sleep_for(50ms);
    fx.proxy->signal(SIGKILL);
    fx.proxy->wait_exit(5000);
    stop = true;
    for (auto& t : load) t.join();
    int before_kill = answered;
    REQUIRE(before_kill > 0);

    auto sum_sql = "SELECT COALESCE(SUM(cost_nanos), 0) FROM ledger WHERE team = 'acme/eng/platform'";
    auto spent_sql = "SELECT COALESCE(SUM(spent), 0) FROM gov_usage WHERE budget_id = " + budget_id;
    std::int64_t rows = scalar(fx.db(), "SELECT COUNT(*) FROM ledger WHERE status = 200");
    MESSAGE("answered before kill -9: " << before_kill << ", ledger rows committed: " << rows);
    CHECK(rows <= before_kill + 24); // a row may commit before its answer reached the client
    CHECK(rows > 0);
    CHECK(scalar(fx.db(), sum_sql) == scalar(fx.db(), spent_sql));
    CHECK(scalar(fx.db(), "SELECT COUNT(*) - COUNT(DISTINCT request_id) FROM ledger") == 0);

    // Restarted: reservations of the dead process are gone, spend carries on.
    fx.start();
    json shown = fx.cli_json({"budget", "show", budget_id});
    CHECK(shown["spent"].get<std::int64_t>() == scalar(fx.db(), sum_sql));
    if (shown.contains("reserved")) CHECK(shown["reserved"].get<std::int64_t>() == 0);
    std::int64_t spent_before = scalar(fx.db(), spent_sql);
    for (int i = 0; i < 5; ++i) {
        auto r = fx.chat(secret, "gpt-4o-mini");
        REQUIRE(r);
        CHECK_MESSAGE(r->status == 200, r->body);
    }
    fx.stop();
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM ledger WHERE status = 200") == rows + 5);
    CHECK(scalar(fx.db(), sum_sql) == scalar(fx.db(), spent_sql));
    CHECK(scalar(fx.db(), spent_sql) > spent_before);
    CHECK(scalar(fx.db(), "SELECT COUNT(*) - COUNT(DISTINCT request_id) FROM ledger") == 0);
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM gov_usage WHERE spent < 0") == 0);
}

TEST_CASE("governance e2e: a failing deployment posts deployment.ejected once, then deployment.recovered") {
    GovFixture fx("[governance]\nallow_private_webhooks = true\n"); // the receiver is on loopback
    // Eject after two failures in a row, for one second; a second provider
    // (openrouter, on the same mock) keeps answering meanwhile.
    std::ofstream(fx.home / "config.toml", std::ios::app)
        << "[providers.openrouter]\nbase_url = \"" << fx.mock.base_url() << "/v1\"\napi_key = \"mock-openrouter\"\n\n"
        << "[routing.health]\nconsecutive_failures = 2\nbase_ejection_s = 1\n";
    int port = free_port();
    REQUIRE(port > 0);
    fx.cli_json({"webhook", "add", "http://127.0.0.1:" + std::to_string(port) + "/hook", "--secret", "ops-secret",
                 "--events", "deployment.*"});
    Receiver receiver(port);
    megarouter::mock::Behavior failing;
    failing.status = 503;
    fx.mock.set_behavior("gpt-4o-mini", failing); // openai's id; openrouter's is openai/gpt-4o-mini
    fx.start();
    auto ask = [&] {
        json body = {{"model", "gpt-4o-mini"}, {"max_tokens", 16}, {"messages", {{{"role", "user"}, {"content", "Hi"}}}}};
        return fx.client().Post("/v1/chat/completions", body.dump(), "application/json");
    };
    // Two failed-over requests eject openai/gpt-4o-mini; the next ones skip it
    // and must not post the ejection again.
    for (int i = 0; i < 4; ++i) {
        auto r = ask();
        REQUIRE(r);
        CHECK_MESSAGE(r->status == 200, r->body);
    }
    bool ejected = receiver.wait_for("deployment.ejected", 10s);
    if (!ejected) MESSAGE("alerts: " << fx.cli({"alerts", "list", "--json"}).out << read_text(fx.home / "serve.log"));
    REQUIRE(ejected);

    // The primary answers again; after its second of ejection the trial request recovers it.
    fx.mock.clear_behaviors();
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (receiver.of_type("deployment.recovered").empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(300ms);
        auto r = ask();
        REQUIRE(r);
        CHECK_MESSAGE(r->status == 200, r->body);
    }
    REQUIRE(receiver.wait_for("deployment.recovered", 3s));
    std::this_thread::sleep_for(1200ms); // a duplicate would arrive here

    auto ejections = receiver.of_type("deployment.ejected");
    auto recoveries = receiver.of_type("deployment.recovered");
    CHECK(ejections.size() == 1);
    CHECK(recoveries.size() == 1);
    for (const auto* hits : {&ejections, &recoveries}) {
        const auto& hit = hits->front();
        json body = json::parse(hit.body);
        CHECK(body["id"] == hit.event_id);
        CHECK(body["node"] == "");
        CHECK(body["data"]["deployment"] == "openai/gpt-4o-mini");
        CHECK(body["data"]["provider"] == "openai");
        CHECK(body["data"]["model"] == "gpt-4o-mini");
        CHECK(!body["summary"].get<std::string>().empty());
        CHECK(hit.signature == "t=" + hit.timestamp + ",v1=" + hmac_hex("ops-secret", hit.timestamp + "." + hit.body));
    }
    json ejection = json::parse(ejections.front().body);
    MESSAGE("ejection summary: " << ejection["summary"].get<std::string>());
    CHECK(ejection["data"]["status"] == 503);
    CHECK(ejection["data"]["consecutive_failures"] == 2);
    CHECK(ejection["data"]["error_rate"].get<double>() > 0);
    CHECK(ejection["data"]["ejected_until_ms"].get<std::int64_t>() - ejection["time_ms"].get<std::int64_t>() == 1000);
    CHECK(json::parse(recoveries.front().body)["time_ms"] >= ejection["data"]["ejected_until_ms"]);
}
