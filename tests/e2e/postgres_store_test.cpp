// The binary on a PostgreSQL store ([store] url), end to end: the CLI builds
// an organisation, a key and a budget there, `megarouter serve` answers a
// keyed request and books it in the shared ledger, `spend` reports it;
// three gateways on one store share a budget without passing it, also when
// one of them is killed under load; an unreachable server is a clear exit
// 69. Runs in the [pg] pass (a server from tests/pg/server.sh); skipped
// elsewhere.
#include <atomic>
#include <set>

#include "e2e/governance_fixture.hpp"
#include "support/tcp_relay.hpp"

using namespace gov_e2e;

namespace {

// Another `megarouter serve` on the fixture's home (so on its store).
struct Replica {
    std::unique_ptr<Child> child;
    int port = 0;
};

// `store_url`: another way to the same store (MEGAROUTER_DATABASE_URL).
Replica start_replica(const GovFixture& fx, int n, const std::string& store_url = "") {
    fs::path port_file = fx.home / ("port" + std::to_string(n));
    fs::remove(port_file);
    std::vector<std::string> argv{MEGAROUTER_BIN, "serve", "--port", "0", "--port-file", port_file.string(), "--grace", "5"};
    std::vector<std::string> env{"MEGAROUTER_HOME=" + fx.home.string(), "PATH=/usr/bin:/bin", "HOME=" + fx.home.string()};
    if (!store_url.empty()) env.push_back("MEGAROUTER_DATABASE_URL=" + store_url);
    Replica replica;
    replica.child = std::make_unique<Child>(argv, env, (fx.home / ("serve" + std::to_string(n) + ".log")).string());
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        std::string text = read_text(port_file);
        if (!text.empty()) {
            replica.port = std::atoi(text.c_str());
            return replica;
        }
        if (replica.child->wait_exit(20)) break;
    }
    FAIL("replica " << n << " did not start: " << read_text(fx.home / ("serve" + std::to_string(n) + ".log")));
    return replica;
}

httplib::Result chat_at(int port, const std::string& key) {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(20, 0);
    c.set_connection_timeout(2, 0);
    json body = {{"model", "gpt-4o-mini"}, {"max_tokens", 16},
                 {"messages", {{{"role", "user"}, {"content", "Count the sheep in the field, please."}}}}};
    return c.Post("/v1/chat/completions", {{"Authorization", "Bearer " + key}}, body.dump(), "application/json");
}

} // namespace

TEST_CASE("postgres: CLI, gateway, ledger and spend report on a PostgreSQL store" * doctest::skip(!pg_test::enabled())) {
    GovFixture fx;
    REQUIRE(megarouter::core::is_postgres_url(fx.db().native()));
    fx.hierarchy("acme/eng/platform/alice");
    auto [key_id, secret] = fx.key("acme/eng/platform/alice");
    fx.cli_json({"budget", "set", "acme/eng/platform", "--usd", "5", "--period", "monthly"});
    json listed = fx.cli_json({"keys", "list"});
    REQUIRE(listed.is_array());
    CHECK(listed.size() == 1);
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM gov_nodes") == 4);

    fx.start();
    auto answered = fx.chat(secret, "gpt-4o-mini");
    REQUIRE(answered);
    INFO(body_of(answered));
    CHECK(answered->status == 200);
    std::int64_t cost = cost_nanos(answered);
    CHECK(cost > 0);
    auto refused = fx.chat("mr-not-a-key", "gpt-4o-mini");
    REQUIRE(refused);
    CHECK(refused->status == 401);

    // A second gateway on the same store serves too, into the same ledger.
    Replica second = start_replica(fx, 2);
    auto there = chat_at(second.port, secret);
    REQUIRE(there);
    CHECK_MESSAGE(there->status == 200, there->body);
    cost += cost_nanos(there);
    second.child->signal(SIGTERM);
    CHECK(second.child->wait_exit(15000).has_value());

    fx.stop(); // SIGTERM: the ledger is flushed
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM ledger WHERE status = 200 AND key_id = '" + key_id + "'") == 2);
    CHECK(scalar(fx.db(), "SELECT SUM(cost_nanos) FROM ledger") == cost);
    CHECK(scalar(fx.db(), "SELECT SUM(spent) FROM gov_usage") == cost);
    json report = fx.cli_json({"spend", "--by", "user"});
    INFO(report.dump());
    REQUIRE(report["rows"].is_array());
    std::int64_t reported = -1;
    for (const json& row : report["rows"])
        if (row["group"]["user"] == "acme/eng/platform/alice") reported = row["cost_nanos"].get<std::int64_t>();
    CHECK(report["total"]["requests"].get<std::int64_t>() == 2); // an unknown key is not booked to anyone
    CHECK(reported == cost);
    json budgets = fx.cli_json({"budget", "list"});
    REQUIRE(budgets.size() == 1);
    CHECK(budgets[0]["spent"].get<std::int64_t>() == cost);
}

TEST_CASE("postgres: an unreachable server is exit 69, named without its password") {
    auto out = megarouter::e2e::run_megarouter(
        {"org", "list"},
        {{"MEGAROUTER_DATABASE_URL", "postgresql://mr:hunter2@127.0.0.1:1/megarouter?connect_timeout=2"},
         {"MEGAROUTER_HOME", "/tmp/megarouter-pg-unreachable"}, {"HOME", "/tmp/megarouter-pg-unreachable"}},
        "", std::chrono::seconds(20));
    CHECK(out.exit_code == 69);
    CHECK(out.err.find("postgresql://mr:***@127.0.0.1:1/megarouter") != std::string::npos);
    CHECK(out.err.find("hunter2") == std::string::npos);
}

TEST_CASE("postgres: three gateways, 300 requests at once, a budget with room for about 20: never passed" *
          doctest::skip(!pg_test::enabled())) {
    GovFixture fx("[governance]\nlease_ttl_ms = 2000\n");
    std::int64_t cost = probe_cost(fx, "gpt-4o-mini");
    std::int64_t amount = cost * 20 + cost / 2;
    fx.hierarchy("acme/eng/platform/alice");
    auto [id, secret] = fx.key("acme/eng/platform/alice");
    json budget = fx.cli_json({"budget", "set", "acme/eng/platform", "--usd", usd(amount), "--period", "monthly",
                               "--alert", "0", "--downgrade", "0"});
    std::string budget_id = std::to_string(budget["id"].get<std::int64_t>());
    fx.mock.set_behavior("gpt-4o-mini", megarouter::mock::Behavior{.first_byte_delay_ms = 50});
    std::vector<Replica> replicas;
    for (int n = 0; n < 3; ++n) replicas.push_back(start_replica(fx, n));
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM gov_replicas") == 3);

    std::atomic<int> ok{0}, refused{0}, other{0};
    std::mutex mutex;
    std::string odd, refusal;
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < 300; ++i)
        threads.emplace_back([&, i] {
            while (!go) std::this_thread::yield();
            auto r = chat_at(replicas[static_cast<std::size_t>(i % 3)].port, secret);
            std::lock_guard lock(mutex);
            if (r && r->status == 200) ok++;
            else if (r && r->status == 429) {
                refused++;
                refusal = r->body;
            } else {
                other++;
                odd = body_of(r);
            }
        });
    go = true;
    for (auto& t : threads) t.join();
    MESSAGE("answered " << ok.load() << " of 300 across three gateways; room for 20 answers");
    CHECK_MESSAGE(other == 0, odd);
    CHECK(ok >= 1);
    CHECK(ok <= 20);
    CHECK(ok + refused == 300);
    CHECK_MESSAGE(refusal.find("acme/eng/platform monthly budget") != std::string::npos, refusal);
    for (Replica& r : replicas) {
        r.child->signal(SIGTERM);
        CHECK(r.child->wait_exit(15000).has_value());
    }
    std::string team = "team = 'acme/eng/platform'";
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM ledger WHERE status = 200 AND " + team) == ok);
    CHECK(scalar(fx.db(), "SELECT COUNT(*) - COUNT(DISTINCT request_id) FROM ledger") == 0);
    std::int64_t spent = scalar(fx.db(), "SELECT spent FROM gov_usage WHERE budget_id = " + budget_id);
    CHECK(spent == scalar(fx.db(), "SELECT SUM(cost_nanos) FROM ledger WHERE " + team));
    CHECK(spent <= amount);
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM gov_leases") == 0); // each gave its lease back
}

TEST_CASE("postgres: kill -9 of one gateway under load: the others go on, its lease comes back after the TTL" *
          doctest::skip(!pg_test::enabled())) {
    GovFixture fx("[governance]\nlease_ttl_ms = 2000\n");
    fx.hierarchy("acme/eng/platform/alice");
    auto [id, secret] = fx.key("acme/eng/platform/alice");
    json budget = fx.cli_json({"budget", "set", "acme/eng/platform", "--usd", "100", "--period", "monthly"});
    std::string budget_id = std::to_string(budget["id"].get<std::int64_t>());
    std::vector<Replica> replicas;
    for (int n = 0; n < 3; ++n) replicas.push_back(start_replica(fx, n));
    std::atomic<bool> stop{false};
    std::atomic<int> answered[3] = {0, 0, 0};
    std::vector<std::thread> load;
    for (int i = 0; i < 12; ++i)
        load.emplace_back([&, i] {
            int n = i % 3;
            while (!stop) {
                auto r = chat_at(replicas[static_cast<std::size_t>(n)].port, secret);
                if (r && r->status == 200) answered[n]++;
                else if (!r) std::this_thread::sleep_for(20ms);
            }
        });
    auto until = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < until && answered[0] < 30) std::this_thread::sleep_for(20ms);
    std::string dead_leases = "SELECT COUNT(*) FROM gov_leases WHERE amount > 0";
    std::int64_t leases_before = scalar(fx.db(), dead_leases);
    replicas[0].child->signal(SIGKILL);
    replicas[0].child->wait_exit(5000);
    int others_at_kill = answered[1] + answered[2];
    std::this_thread::sleep_for(3s); // past the 2 s TTL
    int others_after = answered[1] + answered[2];
    // The dead gateway's lease expired and a live one's next claim took the row away.
    std::int64_t leases_after = scalar(fx.db(), "SELECT COUNT(*) FROM gov_leases");
    stop = true;
    for (auto& t : load) t.join();
    MESSAGE("answered before kill: " << answered[0].load() << " by the killed gateway; the others "
                                     << others_at_kill << " then " << others_after);
    CHECK(leases_before == 3);
    CHECK(leases_after == 2);
    CHECK(others_after > others_at_kill + 10); // the others went on
    for (std::size_t n = 1; n < 3; ++n) {
        replicas[n].child->signal(SIGTERM);
        CHECK(replicas[n].child->wait_exit(15000).has_value());
    }
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM gov_leases") == 0); // the live ones gave theirs back
    std::string team = "team = 'acme/eng/platform'";
    CHECK(scalar(fx.db(), "SELECT COUNT(*) - COUNT(DISTINCT request_id) FROM ledger") == 0);
    CHECK(scalar(fx.db(), "SELECT spent FROM gov_usage WHERE budget_id = " + budget_id) ==
          scalar(fx.db(), "SELECT SUM(cost_nanos) FROM ledger WHERE " + team));
}

TEST_CASE("postgres: store migrate copies an SQLite store into PostgreSQL, and the gateway carries on there" *
          doctest::skip(!pg_test::enabled())) {
    GovFixture fx("", true);
    fx.hierarchy("acme/eng/platform/alice");
    auto [key_id, secret] = fx.key("acme/eng/platform/alice");
    json budget = fx.cli_json({"budget", "set", "acme/eng/platform", "--usd", "5", "--period", "monthly"});
    fx.start();
    for (int i = 0; i < 3; ++i) REQUIRE(fx.chat(secret, "gpt-4o-mini")->status == 200);
    fx.stop();
    std::int64_t spent = scalar(fx.db(), "SELECT SUM(cost_nanos) FROM ledger");
    REQUIRE(spent > 0);

    std::string url = pg_test::fresh_database();
    json copied = fx.cli_json({"store", "migrate", "--to", url});
    CHECK(copied["tables"]["gov_nodes"] == 4);
    CHECK(copied["tables"]["ledger"] == 3);
    CHECK(copied["tables"]["gov_keys"] == 1);
    auto again = fx.cli({"store", "migrate", "--to", url});
    CHECK(again.exit_code == 65);
    CHECK(again.err.find("already holds data") != std::string::npos);

    // From here on, the same home on PostgreSQL.
    std::ofstream(fx.home / "config.toml", std::ios::app) << "\n[store]\nurl = \"" << url << "\"\n";
    fx.store = url;
    CHECK(scalar(fx.db(), "SELECT SUM(cost_nanos) FROM ledger") == spent);
    CHECK(scalar(fx.db(), "SELECT SUM(cost_nanos) FROM ledger_rollup WHERE level = 1") == spent);
    json budgets = fx.cli_json({"budget", "list"});
    REQUIRE(budgets.size() == 1);
    CHECK(budgets[0]["spent"].get<std::int64_t>() == spent);
    fx.start();
    auto answered = fx.chat(secret, "gpt-4o-mini"); // the key's hash came along
    REQUIRE(answered);
    CHECK_MESSAGE(answered->status == 200, answered->body);
    fx.stop();
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM ledger") == 4);
    CHECK(scalar(fx.db(), "SELECT COUNT(DISTINCT id) FROM ledger") == 4); // ids continue after the copied ones
    CHECK(scalar(fx.db(), "SELECT SUM(requests) FROM ledger_rollup WHERE level = 0") == 4);
}

TEST_CASE("postgres: a gateway cut off from its server answers on, spools the ledger, and nothing is lost after kill -9" *
          doctest::skip(!pg_test::enabled())) {
    GovFixture fx;
    fx.hierarchy("acme/eng/platform/alice");
    auto [id, secret] = fx.key("acme/eng/platform/alice");
    json budget = fx.cli_json({"budget", "set", "acme/eng/platform", "--usd", "100", "--period", "monthly"});
    std::string budget_id = std::to_string(budget["id"].get<std::int64_t>());
    // The gateway reaches the server through a relay the test can cut.
    relay_test::TcpRelay relay(pg_test::socket_dir() + "/.s.PGSQL.5432");
    std::string url = fx.db().string();
    std::string name = url.substr(url.find("@/") + 2, url.find('?') - url.find("@/") - 2);
    std::string through = "postgresql://postgres@127.0.0.1:" + std::to_string(relay.port()) + "/" + name;
    auto count = [&] { return scalar(fx.db(), "SELECT COUNT(*) FROM ledger"); };
    auto eventually = [](auto ready, std::chrono::seconds limit) {
        auto until = std::chrono::steady_clock::now() + limit;
        while (!ready() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(50ms);
        return ready();
    };

    Replica first = start_replica(fx, 0, through);
    for (int i = 0; i < 5; ++i) REQUIRE(chat_at(first.port, secret)->status == 200);
    REQUIRE(eventually([&] { return count() == 5; }, 5s));

    relay.cut();
    int answered = 0;
    for (int i = 0; i < 10; ++i)
        if (auto r = chat_at(first.port, secret); r && r->status == 200) ++answered;
    CHECK(answered == 10); // keys and budget from memory; the rows go to the spool
    httplib::Client probe("127.0.0.1", first.port);
    CHECK(eventually([&] {
        auto m = probe.Get("/metrics", {{"Authorization", "Bearer " + secret}});
        return m && m->body.find("megarouter_ledger_spooled_rows 10") != std::string::npos;
    }, 10s));
    auto ready = probe.Get("/health/ready");
    REQUIRE(ready);
    CHECK(ready->status == 503); // a load balancer sends traffic elsewhere
    CHECK(ready->body.find("local spool") != std::string::npos);
    CHECK(count() == 5);

    first.child->signal(SIGKILL); // the rows exist only in its spool now
    first.child->wait_exit(5000);
    relay.restore();
    Replica second = start_replica(fx, 1, through); // the same spool folder: it adopts the file
    CHECK(eventually([&] { return count() == 15; }, 15s));
    CHECK(scalar(fx.db(), "SELECT COUNT(DISTINCT request_id) FROM ledger") == 15);
    CHECK(eventually([&] {
        return scalar(fx.db(), "SELECT spent FROM gov_usage WHERE budget_id = " + budget_id) ==
               scalar(fx.db(), "SELECT SUM(cost_nanos) FROM ledger WHERE team = 'acme/eng/platform'");
    }, 5s));
    REQUIRE(chat_at(second.port, secret)->status == 200);
    second.child->signal(SIGTERM);
    CHECK(second.child->wait_exit(15000).has_value());
    CHECK(count() == 16);
}
