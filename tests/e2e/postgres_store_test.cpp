// The binary on a PostgreSQL store ([store] url), end to end: the CLI builds
// an organisation, a key and a budget there, `megarouter serve` answers a
// keyed request and books it in the shared ledger, `spend` reports it, a
// second gateway on the same store is refused (until budgets are leased per
// replica), and an unreachable server is a clear exit 69. Runs in the [pg]
// pass (a server from tests/pg/server.sh); skipped elsewhere.
#include "e2e/governance_fixture.hpp"

using namespace gov_e2e;

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

    // A second gateway on the same store would keep its own budget view: refused, named.
    auto second = fx.cli({"serve", "--port", "0"});
    CHECK(second.exit_code == 69);
    CHECK(second.err.find("another megarouter serve is using postgresql://") != std::string::npos);

    fx.stop(); // SIGTERM: the ledger is flushed
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM ledger WHERE status = 200 AND key_id = '" + key_id + "'") == 1);
    CHECK(scalar(fx.db(), "SELECT SUM(cost_nanos) FROM ledger") == cost);
    CHECK(scalar(fx.db(), "SELECT SUM(spent) FROM gov_usage") == cost);
    json report = fx.cli_json({"spend", "--by", "user"});
    INFO(report.dump());
    REQUIRE(report["rows"].is_array());
    std::int64_t reported = -1;
    for (const json& row : report["rows"])
        if (row["group"]["user"] == "acme/eng/platform/alice") reported = row["cost_nanos"].get<std::int64_t>();
    CHECK(report["total"]["requests"].get<std::int64_t>() == 1); // an unknown key is not booked to anyone
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
