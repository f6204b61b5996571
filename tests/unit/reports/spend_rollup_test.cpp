// The rollup read path must equal the raw scan exactly, whatever the range,
// period, time zone, filters and grouping; and every way rows reach the
// ledger (bulk insert, the gate's writer, a migration over old rows) must
// keep the rollup in step.
#include <doctest/doctest.h>

#include "support/pg.hpp"

#include <random>

#include "../governance/gate_fixture.hpp"
#include "megarouter/reports/spend.hpp"
#include "megarouter/reports/synthetic.hpp"

using namespace megarouter;
using namespace megarouter::reports;
using governance::TimeZone;
using gov_test::scalar;

namespace {

constexpr core::Millis k_hour = 3'600'000;
constexpr core::Millis k_day = 24 * k_hour;
constexpr core::Millis k_feb15 = 1'771'113'600'000; // 2026-02-15T00:00Z

bool same(const Figures& a, const Figures& b) {
    return a.requests == b.requests && a.input_tokens == b.input_tokens && a.cached_tokens == b.cached_tokens &&
           a.output_tokens == b.output_tokens && a.cost == b.cost && a.baseline == b.baseline && a.errors == b.errors &&
           a.fallbacks == b.fallbacks;
}

bool same_series(const std::vector<Figures>& a, const std::vector<Figures>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!same(a[i], b[i])) return false;
    return true;
}

// Checks every figure of two reports, naming the first difference.
void check_same(const SpendReport& rolled, const SpendReport& scanned) {
    REQUIRE(rolled.buckets.size() == scanned.buckets.size());
    CHECK(same(rolled.total, scanned.total));
    CHECK(same_series(rolled.total_series, scanned.total_series));
    REQUIRE(rolled.rows.size() == scanned.rows.size());
    for (std::size_t i = 0; i < rolled.rows.size(); ++i) {
        CAPTURE(i);
        CHECK(rolled.rows[i].group == scanned.rows[i].group);
        CHECK(rolled.rows[i].other == scanned.rows[i].other);
        CHECK(same(rolled.rows[i].totals, scanned.rows[i].totals));
        CHECK(same_series(rolled.rows[i].series, scanned.rows[i].series));
    }
}

SyntheticSpec spec_over(core::Millis start, core::Millis end, std::int64_t rows, std::uint64_t seed) {
    return SyntheticSpec{.rows = rows, .start = start, .end = end, .seed = seed, .id_prefix = "r" + std::to_string(seed)};
}

void write(store::Database& db, const SyntheticSpec& spec) { REQUIRE(write_synthetic_ledger(db, spec, 5'000)); }

} // namespace

TEST_CASE("reports: the rollup path equals the raw scan for random ranges, zones, periods, filters and groupings") {
    auto db = pg_test::open_empty_store();
    REQUIRE(db);
    // Dense rows (about 6 an hour) across both 2026 DST changes of Europe and America.
    write(*db, spec_over(k_feb15, k_feb15 + 270 * k_day, 40'000, 7));
    // Re-sent request ids are ignored by the ledger and must not count in the rollup.
    write(*db, spec_over(k_feb15, k_feb15 + 270 * k_day, 300, 7));

    std::vector<TimeZone> zones;
    for (const char* name : {"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"}) {
        auto zone = TimeZone::load(name);
        REQUIRE_MESSAGE(zone, name);
        zones.push_back(*zone);
    }
    const std::vector<std::string> nodes = {"", "acme", "acme/eng", "acme/sales/apps", "acme/eng/platform/alice", "globex"};
    const std::vector<std::string> models = {"", "gpt-4o", "claude-sonnet-4"};
    const std::vector<Dimension> dimensions = {Dimension::org,  Dimension::dept,  Dimension::team,   Dimension::user,
                                               Dimension::key,  Dimension::model, Dimension::provider,
                                               Dimension::vendor, Dimension::mode, Dimension::tier, Dimension::endpoint};
    std::mt19937_64 random(2026);
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(random() % n); };
    for (int round = 0; round < 160; ++round) {
        SpendQuery q;
        core::Millis since = k_feb15 - 5 * k_day + static_cast<core::Millis>(random() % (280 * k_day));
        switch (pick(4)) { // sometimes on an hour or a day, mostly anywhere
        case 0: since -= since % k_hour; break;
        case 1: since -= since % k_day; break;
        default: break;
        }
        core::Millis length = pick(3) == 0 ? static_cast<core::Millis>(random() % (2 * k_day)) + 1
                                           : static_cast<core::Millis>(random() % (300 * k_day)) + 1;
        q.since = since;
        q.until = since + length;
        q.period = static_cast<Granularity>(pick(4));
        if (q.period == Granularity::day && length > 120 * k_day) q.period = Granularity::week;
        for (std::size_t n = pick(3); n > 0; --n) {
            Dimension d = dimensions[pick(dimensions.size())];
            if (std::find(q.by.begin(), q.by.end(), d) == q.by.end()) q.by.push_back(d);
        }
        switch (pick(6)) {
        case 0: q.node = nodes[1 + pick(nodes.size() - 1)]; break;
        case 1: q.model = models[1 + pick(models.size() - 1)]; break;
        case 2: q.provider = "anthropic"; break;
        case 3: q.scopes = {"acme/eng", "globex"}; break;
        case 4:
            q.own_user = "acme/eng/platform/alice";
            q.own_key = "key_none";
            break;
        default: break;
        }
        if (pick(4) == 0) q.top = 1 + static_cast<int>(pick(4));
        const TimeZone& zone = zones[pick(zones.size())];
        CAPTURE(round);
        CAPTURE(zone.name());
        CAPTURE(q.since);
        CAPTURE(q.until);
        CAPTURE(to_string(q.period));
        auto rolled = run_spend_report(*db, q, zone);
        auto scanned = run_spend_report_scan(*db, q, zone);
        REQUIRE(rolled.has_value() == scanned.has_value());
        if (!rolled) continue; // e.g. too many buckets: both refuse alike
        check_same(*rolled, *scanned);
    }
    // And the figures above did come from the rollup: a changed month cell shows.
    REQUIRE(db->exec("UPDATE ledger_rollup SET cost_nanos = cost_nanos + 1 WHERE level = 2"));
    SpendQuery whole;
    whole.since = k_feb15 - 60 * k_day;
    whole.until = k_feb15 + 300 * k_day;
    auto rolled = run_spend_report(*db, whole, zones[0]);
    auto scanned = run_spend_report_scan(*db, whole, zones[0]);
    REQUIRE(rolled);
    REQUIRE(scanned);
    CHECK(rolled->total.cost != scanned->total.cost);
}

TEST_CASE("reports: the gate's ledger writer keeps the rollup in step") {
    gov_test::Store store;
    {
        auto gate = store.gate();
        SyntheticSpec spec = spec_over(k_feb15, k_feb15 + 3 * k_day, 500, 11);
        for (std::int64_t i = 0; i < spec.rows; ++i) gate->record(synthetic_row(spec, i));
        gate->record(synthetic_row(spec, 3)); // a re-sent row changes nothing
        gate->flush();
    }
    store::Database& db = *store.db;
    CHECK(scalar(db, "SELECT COUNT(*) FROM ledger") == 500);
    for (int level = 0; level < 4; ++level) {
        CAPTURE(level);
        CHECK(scalar(db, "SELECT SUM(requests) FROM ledger_rollup WHERE level = " + std::to_string(level)) == 500);
        CHECK(scalar(db, "SELECT SUM(cost_nanos) FROM ledger_rollup WHERE level = " + std::to_string(level)) ==
              scalar(db, "SELECT SUM(cost_nanos) FROM ledger"));
    }
    SpendQuery q;
    q.since = k_feb15 - k_day;
    q.until = k_feb15 + 4 * k_day;
    q.by = {Dimension::team, Dimension::model};
    q.period = Granularity::day;
    auto zone = TimeZone::load("Europe/Berlin");
    REQUIRE(zone);
    auto rolled = run_spend_report(db, q, *zone);
    auto scanned = run_spend_report_scan(db, q, *zone);
    REQUIRE(rolled);
    REQUIRE(scanned);
    CHECK(rolled->total.requests == 500);
    check_same(*rolled, *scanned);
}

// SQLite only: PostgreSQL stores began with the rollup (migrations_postgres.cpp).
TEST_CASE("reports: the rollup migration fills the rollup from rows written before it" * doctest::skip(pg_test::enabled())) {
    gov_test::Store store;
    store::Database& db = *store.db;
    write(db, spec_over(k_feb15, k_feb15 + 40 * k_day, 3'000, 3));
    // Take the store back to before migration 42, then open it again.
    REQUIRE(db.exec("DROP TRIGGER ledger_rollup_insert; DROP TABLE ledger_rollup; DROP TABLE ledger_combos;"
                    "DELETE FROM schema_migrations WHERE version = 42"));
    auto reopened = store::Database::open(store.file);
    REQUIRE(reopened);
    CHECK(scalar(*reopened, "SELECT SUM(requests) FROM ledger_rollup WHERE level = 2") == 3'000);
    write(*reopened, spec_over(k_feb15, k_feb15 + 40 * k_day, 1'000, 4)); // and the trigger is back
    SpendQuery q;
    q.since = k_feb15 + 7 * k_hour + 123;
    q.until = k_feb15 + 39 * k_day;
    q.by = {Dimension::user};
    q.period = Granularity::week;
    auto zone = TimeZone::load("America/New_York");
    REQUIRE(zone);
    auto rolled = run_spend_report(*reopened, q, *zone);
    auto scanned = run_spend_report_scan(*reopened, q, *zone);
    REQUIRE(rolled);
    REQUIRE(scanned);
    CHECK(rolled->total.requests > 3'000);
    check_same(*rolled, *scanned);
}
