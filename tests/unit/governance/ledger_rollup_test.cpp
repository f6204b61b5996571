// The ledger writer's own rollup: its cells agree with the trigger's SQL for
// any timestamp, and rows written through the gate from several threads at
// once (with re-sent ids and rows inserted around the writer, which the
// trigger rolls up) leave the rollup equal to a scan of the ledger.
#include <doctest/doctest.h>

#include <random>
#include <thread>

#include "governance/ledger_rollup.hpp"
#include "megarouter/reports/synthetic.hpp"
#include "unit/governance/gate_fixture.hpp"

using namespace megarouter;
using namespace megarouter::governance;

using gov_test::scalar;

TEST_CASE("governance: rollup cells computed in C++ agree with the trigger's SQL") {
    auto db = store::Database::open_memory();
    REQUIRE(db);
    std::mt19937_64 random(42);
    std::vector<std::int64_t> stamps = {0, -1, 1, 86'399'999, 86'400'000, -86'400'000, -86'400'001,
                                        951'782'400'000,   // 2000-02-29
                                        1'709'251'199'999, // 2024-02-29 23:59:59.999
                                        1'709'251'200'000, // 2024-03-01
                                        4'102'444'800'000, // 2100-01-01
                                        -2'208'988'800'000}; // 1900-01-01
    for (int i = 0; i < 2000; ++i)
        stamps.push_back(static_cast<std::int64_t>(random() % 8'000'000'000'000ULL) - 2'000'000'000'000LL);
    for (std::int64_t ts : stamps) {
        CAPTURE(ts);
        std::string t = std::to_string(ts);
        std::string day = "(" + t + " - ((" + t + " % 86400000) + 86400000) % 86400000)";
        std::int64_t hour = scalar(*db, "SELECT " + t + " - ((" + t + " % 3600000) + 3600000) % 3600000");
        std::int64_t month = scalar(*db, "SELECT CAST(strftime('%s', " + day +
                                             " / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000");
        std::int64_t week = scalar(*db, "SELECT " + day + " - (((" + day + " / 86400000 + 3) % 7 + 7) % 7) * 86400000");
        auto cells = rollup_cells(ts);
        CHECK(cells[0].level == 0);
        CHECK(cells[0].start == hour);
        CHECK(cells[1].start == scalar(*db, "SELECT " + day));
        CHECK(cells[2].level == 2);
        CHECK(cells[2].start == month);
        CHECK(cells[3].level == 3);
        CHECK(cells[3].start == week);
    }
}

TEST_CASE("governance: the writer's batched rollup stays exact with four threads recording at once") {
    gov_test::Store store;
    constexpr std::int64_t k_day = 86'400'000;
    const std::int64_t start = 1'739'577'600'000; // 2025-02-15
    reports::SyntheticSpec spec;
    spec.rows = 4'000;
    spec.start = start;
    spec.end = start + 40 * k_day; // across a month's and weeks' edges
    spec.seed = 7;
    {
        auto gate = store.gate();
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                for (std::int64_t i = t; i < spec.rows; i += 4) {
                    gate->record(reports::synthetic_row(spec, i));
                    if (i % 97 == 0) gate->record(reports::synthetic_row(spec, i)); // re-sent: counted once
                }
            });
        // Rows inserted around the writer (an import, say) go through the trigger.
        reports::SyntheticSpec other = spec;
        other.rows = 300;
        other.seed = 8;
        other.id_prefix = "import";
        REQUIRE(reports::write_synthetic_ledger(*store.db, other, 50));
        for (auto& thread : threads) thread.join();
        gate->flush();
    }
    store::Database& db = *store.db;
    REQUIRE(scalar(db, "SELECT COUNT(*) FROM ledger") == 4'300);
    CHECK(scalar(db, "SELECT COUNT(*) FROM ledger WHERE rolled_up = 1") == 4'000);
    for (int level = 0; level < 4; ++level) {
        CAPTURE(level);
        std::string where = " WHERE level = " + std::to_string(level);
        CHECK(scalar(db, "SELECT SUM(requests) FROM ledger_rollup" + where) == 4'300);
        for (const char* column : {"cost_nanos", "baseline_nanos", "input_tokens", "cached_tokens", "output_tokens"}) {
            CAPTURE(column);
            CHECK(scalar(db, std::string("SELECT SUM(") + column + ") FROM ledger_rollup" + where) ==
                  scalar(db, std::string("SELECT SUM(") + column + ") FROM ledger"));
        }
        CHECK(scalar(db, "SELECT SUM(errors) FROM ledger_rollup" + where) ==
              scalar(db, "SELECT COUNT(*) FROM ledger WHERE status >= 400 OR error_code <> ''"));
        CHECK(scalar(db, "SELECT SUM(fallbacks) FROM ledger_rollup" + where) ==
              scalar(db, "SELECT COUNT(*) FROM ledger WHERE fallback <> 0"));
    }
    // Cell by cell: each day cell's requests equal the rows of that UTC day and combination.
    CHECK(scalar(db, "SELECT COUNT(*) FROM (SELECT r.start, r.combo, r.requests, (SELECT COUNT(*) FROM ledger l"
                     " JOIN ledger_combos c ON c.id = r.combo WHERE l.org = c.org AND l.dept = c.dept"
                     " AND l.team = c.team AND l.user_path = c.user_path AND l.key_id = c.key_id"
                     " AND l.routed_model = c.routed_model AND l.provider = c.provider AND l.vendor = c.vendor"
                     " AND l.mode = c.mode AND l.tier = c.tier AND l.endpoint = c.endpoint"
                     " AND l.ts >= r.start AND l.ts < r.start + 86400000) AS scanned"
                     " FROM ledger_rollup r WHERE r.level = 1) AS checked WHERE requests <> scanned") == 0);
}
