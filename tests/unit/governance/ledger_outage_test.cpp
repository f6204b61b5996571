// The ledger while the store is out of reach: rows go to the local spool
// (fsync'd) instead of waiting in memory, budgets keep counting them, and
// they arrive exactly once when the store is back, from this gateway or,
// if it stopped first, from the next one started with the same spool.
// SQLite: another connection holding the write lock for longer than the
// writer waits. PostgreSQL ([pg] pass): the network cut by a relay.
#include <chrono>
#include <fstream>
#include <thread>

#include "gate_fixture.hpp"
#include "support/tcp_relay.hpp"

using namespace gov_test;
using namespace std::chrono_literals;

namespace {

// Polls `ready` every 10 ms for at most `limit`; whether it came true.
template <typename F>
bool eventually(F&& ready, std::chrono::milliseconds limit = 10s) {
    auto start = std::chrono::steady_clock::now();
    while (!ready()) {
        if (std::chrono::steady_clock::now() - start > limit) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

std::size_t spool_files(const std::filesystem::path& dir) {
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
        if (entry.path().extension() == ".spool" && entry.file_size() > 0) ++n;
    return n;
}

void settle_many(Gate& gate, const Principal& who, const std::string& prefix, int n) {
    for (int i = 0; i < n; ++i) {
        auto hold = gate.reserve(who, k_usd / 10, 0);
        REQUIRE(hold.has_value());
        gate.settle(*hold, entry(prefix + std::to_string(i), k_usd / 10));
    }
}

// The gate's figure for a budget: spent plus reserved.
std::int64_t used(Gate& gate) {
    std::int64_t total = 0;
    for (const auto& limit : gate.limit_usage()) total += limit.used;
    return total;
}

} // namespace

TEST_CASE("ledger: rows the store cannot take go to the spool and arrive once it can" *
          doctest::skip(pg_test::enabled())) {
    Store s;
    std::string key = s.key_for("acme/eng/platform/alice");
    std::int64_t team = s.budget(ScopeKind::node, "acme/eng/platform", 100 * k_usd);
    GateOptions options;
    options.spool_dir = s.dir / "spool";
    auto gate = s.gate(options);
    auto who = *gate->authenticate(key);

    REQUIRE(s.db->exec("BEGIN IMMEDIATE")); // another process holds the write lock
    settle_many(*gate, who, "down-", 20);
    REQUIRE(eventually([&] { return gate->ledger_stats().spooled == 20; }));
    CHECK(gate->ledger_stats().failing);
    CHECK(gate->pending_rows() == 0); // nothing a kill -9 would lose
    CHECK(spool_files(options.spool_dir) == 1);
    CHECK(used(*gate) == 2 * k_usd); // the budget still counts what is spooled
    CHECK(gate->ledger_room().has_value());

    REQUIRE(s.db->exec("COMMIT"));
    REQUIRE(eventually([&] { return gate->ledger_stats().spooled == 0; }));
    gate->flush();
    CHECK(scalar(*s.db, "SELECT COUNT(*) FROM ledger") == 20);
    CHECK(scalar(*s.db, "SELECT COUNT(DISTINCT request_id) FROM ledger") == 20);
    CHECK(scalar(*s.db, "SELECT spent FROM gov_usage WHERE budget_id = " + std::to_string(team)) == 2 * k_usd);
    CHECK(scalar(*s.db, "SELECT SUM(cost_nanos) FROM ledger_rollup WHERE level = 1") == 2 * k_usd);
    CHECK(used(*gate) == 2 * k_usd); // pending became settled, not counted twice
    CHECK(spool_files(options.spool_dir) == 0);
}

TEST_CASE("ledger: a gateway stopped while the store was away leaves its spool to the next one" *
          doctest::skip(pg_test::enabled())) {
    Store s;
    std::string key = s.key_for("acme/eng/platform/alice");
    std::int64_t team = s.budget(ScopeKind::node, "acme/eng/platform", 100 * k_usd);
    GateOptions options;
    options.spool_dir = s.dir / "spool";
    REQUIRE(s.db->exec("BEGIN IMMEDIATE"));
    {
        auto gate = s.gate(options);
        auto who = *gate->authenticate(key);
        settle_many(*gate, who, "first-", 10);
    } // stops: its rows are in the spool, not lost
    CHECK(spool_files(options.spool_dir) == 1);
    REQUIRE(s.db->exec("COMMIT"));
    CHECK(scalar(*s.db, "SELECT COUNT(*) FROM ledger") == 0);

    auto next = s.gate(options);
    REQUIRE(eventually([&] { return scalar(*s.db, "SELECT COUNT(*) FROM ledger") == 10; }));
    REQUIRE(eventually([&] { return spool_files(options.spool_dir) == 0; }));
    CHECK(scalar(*s.db, "SELECT spent FROM gov_usage WHERE budget_id = " + std::to_string(team)) == k_usd);
    CHECK(eventually([&] { return used(*next) == k_usd; })); // the adopted spend is in its counters
    // Delivered once: a third gateway finds nothing more to add.
    next.reset();
    auto third = s.gate(options);
    third->flush();
    std::this_thread::sleep_for(200ms);
    CHECK(scalar(*s.db, "SELECT COUNT(*) FROM ledger") == 10);
    CHECK(scalar(*s.db, "SELECT spent FROM gov_usage WHERE budget_id = " + std::to_string(team)) == k_usd);
}

TEST_CASE("ledger: without a spool, rows wait in memory and requests are refused past the bound" *
          doctest::skip(pg_test::enabled())) {
    Store s;
    std::string key = s.key_for("acme/eng/platform/alice");
    auto gate = s.gate(); // no spool_dir
    auto who = *gate->authenticate(key);
    REQUIRE(s.db->exec("BEGIN IMMEDIATE"));
    settle_many(*gate, who, "mem-", 5);
    REQUIRE(eventually([&] { return gate->ledger_stats().failing; }));
    CHECK(gate->pending_rows() == 5);
    CHECK(gate->ledger_stats().spooled == 0);
    CHECK(gate->ledger_room().has_value()); // 5 rows are far from the bound
    REQUIRE(s.db->exec("COMMIT"));
    gate->flush();
    CHECK(scalar(*s.db, "SELECT COUNT(*) FROM ledger") == 5);
}

TEST_CASE("ledger: past the bound of rows in memory, new requests are refused until they are written" *
          doctest::skip(pg_test::enabled())) {
    Store s;
    std::string key = s.key_for("acme/eng/platform/alice");
    GateOptions options;
    options.max_rows_in_memory = 3;
    auto gate = s.gate(options); // no spool
    auto who = *gate->authenticate(key);
    REQUIRE(s.db->exec("BEGIN IMMEDIATE"));
    settle_many(*gate, who, "mem-", 5);
    REQUIRE(eventually([&] { return !gate->ledger_room().has_value(); }));
    auto refused = gate->ledger_room();
    CHECK(refused.error().code == ErrorCode::unavailable);
    CHECK(refused.error().retryable);
    CHECK(refused.error().message.find("ledger cannot be written") != std::string::npos);
    REQUIRE(s.db->exec("COMMIT"));
    REQUIRE(eventually([&] { return gate->ledger_room().has_value(); }));
    gate->flush();
    CHECK(scalar(*s.db, "SELECT COUNT(*) FROM ledger") == 5);
}

TEST_CASE("ledger: on PostgreSQL a gateway cut off from the server spools, and delivers when it is back" *
          doctest::skip(!pg_test::enabled())) {
    Store s;
    std::string key = s.key_for("acme/eng/platform/alice");
    std::int64_t team = s.budget(ScopeKind::node, "acme/eng/platform", 100 * k_usd);
    // The gateway reaches the server through a relay the test can cut.
    relay_test::TcpRelay relay(pg_test::socket_dir() + "/.s.PGSQL.5432");
    std::string url = s.file.string();
    std::string name = url.substr(url.find("@/") + 2, url.find('?') - url.find("@/") - 2);
    std::filesystem::path through = "postgresql://postgres@127.0.0.1:" + std::to_string(relay.port()) + "/" + name;
    GateOptions options;
    options.deliver_alerts = false;
    options.spool_dir = s.dir / "spool";
    auto opened = Gate::open(through, s.clock, options);
    REQUIRE(opened.has_value());
    auto gate = std::move(*opened);
    auto who = *gate->authenticate(key);
    for (int round = 0; round < 5; ++round) { // several commits: the writer's statements get prepared on the server
        settle_many(*gate, who, "up" + std::to_string(round) + "-", 2);
        gate->flush();
    }
    CHECK(scalar(*s.db, "SELECT COUNT(*) FROM ledger") == 10);

    relay.cut();
    settle_many(*gate, who, "cut-", 20);
    REQUIRE(eventually([&] { return gate->ledger_stats().spooled == 20; }));
    CHECK(gate->ledger_stats().failing);
    CHECK(scalar(*s.db, "SELECT COUNT(*) FROM ledger") == 10);

    relay.restore(); // a new connection: what was prepared on the old one is gone
    REQUIRE(eventually([&] { return gate->ledger_stats().spooled == 0; }, 15s));
    gate->flush();
    CHECK(scalar(*s.db, "SELECT COUNT(*) FROM ledger") == 30);
    CHECK(scalar(*s.db, "SELECT spent FROM gov_usage WHERE budget_id = " + std::to_string(team)) == 3 * k_usd);
    CHECK(scalar(*s.db, "SELECT SUM(cost_nanos) FROM ledger_rollup WHERE level = 1") == 3 * k_usd);

    // Cut again, and the gateway stops before the server is back: the next one delivers.
    relay.cut();
    settle_many(*gate, who, "left-", 5);
    REQUIRE(eventually([&] { return gate->ledger_stats().spooled == 5; }));
    gate.reset();
    relay.restore();
    auto next = Gate::open(through, s.clock, options);
    REQUIRE(next.has_value());
    REQUIRE(eventually([&] { return scalar(*s.db, "SELECT COUNT(*) FROM ledger") == 35; }, 15s));
    CHECK(eventually([&] {
        return scalar(*s.db, "SELECT spent FROM gov_usage WHERE budget_id = " + std::to_string(team)) ==
               35 * k_usd / 10;
    }));
    CHECK(scalar(*s.db, "SELECT COUNT(DISTINCT request_id) FROM ledger") == 35);
}

TEST_CASE("ledger: a spooled row the store refuses on its own is set aside, and everything behind it goes in") {
    Store s;
    std::string key = s.key_for("acme/eng/platform/alice");
    std::int64_t team = s.budget(ScopeKind::node, "acme/eng/platform", 100 * k_usd);
    // The store refuses one row, whatever is tried: a poison row.
    if (s.db->backend() == store::Backend::postgresql)
        REQUIRE(s.db->exec("CREATE FUNCTION refuse_bad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                           " IF new.request_id = 'bad-7' THEN RAISE EXCEPTION 'refused'; END IF; RETURN new; END $$;"
                           "CREATE TRIGGER refuse_bad BEFORE INSERT ON ledger FOR EACH ROW EXECUTE FUNCTION refuse_bad()"));
    else
        REQUIRE(s.db->exec("CREATE TRIGGER refuse_bad BEFORE INSERT ON ledger WHEN new.request_id = 'bad-7'"
                           " BEGIN SELECT RAISE(ABORT, 'refused'); END"));
    GateOptions options;
    options.deliver_alerts = false;
    options.spool_dir = s.dir / "spool";
    auto gate = s.gate(options);
    auto who = *gate->authenticate(key);
    settle_many(*gate, who, "bad-", 20); // the batch holding bad-7 fails and goes to the spool
    REQUIRE(eventually([&] { return gate->ledger_stats().spooled > 0 || gate->ledger_stats().rejected == 1; }));
    // Rows that commit afterwards show that the store is well, even when bad-7 is the spool's last item.
    settle_many(*gate, who, "after-", 3);
    REQUIRE(eventually([&] { return gate->ledger_stats().rejected == 1 && gate->ledger_stats().spooled == 0; }, 20s));
    gate->flush();
    CHECK(scalar(*s.db, "SELECT COUNT(*) FROM ledger") == 22);
    CHECK(scalar(*s.db, "SELECT COUNT(*) FROM ledger WHERE request_id = 'bad-7'") == 0);
    CHECK(scalar(*s.db, "SELECT COUNT(DISTINCT request_id) FROM ledger") == 22);
    CHECK(scalar(*s.db, "SELECT spent FROM gov_usage WHERE budget_id = " + std::to_string(team)) == 22 * k_usd / 10);
    CHECK(used(*gate) == 23 * k_usd / 10); // what bad-7 cost still counts against the budget here
    // Kept for an operator, not lost.
    std::filesystem::path rejected;
    for (const auto& entry : std::filesystem::directory_iterator(options.spool_dir))
        if (entry.path().extension() == ".rejected") rejected = entry.path();
    REQUIRE(!rejected.empty());
    std::ifstream in(rejected);
    std::string line, all;
    int lines = 0;
    while (std::getline(in, line)) ++lines, all += line;
    CHECK(lines == 1);
    CHECK(all.find("\"bad-7\"") != std::string::npos);
    CHECK((std::filesystem::status(rejected).permissions() & std::filesystem::perms::group_read) ==
          std::filesystem::perms::none);
    // Traffic goes on as usual.
    settle_many(*gate, who, "later-", 2);
    gate->flush();
    CHECK(scalar(*s.db, "SELECT COUNT(*) FROM ledger") == 24);
    CHECK(gate->ledger_stats().rejected == 1);
}
