#include <doctest/doctest.h>

#include "support/pg.hpp"

#include <map>

#include "megarouter/reports/spend.hpp"
#include "megarouter/reports/synthetic.hpp"

using namespace megarouter;
using namespace megarouter::reports;
using governance::LedgerEntry;
using governance::TimeZone;

namespace {

constexpr core::Millis k_hour = 3'600'000;
constexpr core::Millis k_day = 24 * k_hour;
// 2026-01-01T00:00:00Z
constexpr core::Millis k_jan1 = 1'767'225'600'000;

LedgerEntry entry(std::string id, core::Millis ts, std::string team, std::string model, Nanos cost, Nanos baseline) {
    LedgerEntry e;
    e.request_id = std::move(id);
    e.ts = ts;
    e.team = team;
    e.dept = team.substr(0, team.rfind('/'));
    e.org = team.substr(0, team.find('/'));
    e.user = team + "/alice";
    e.key_id = "key_" + team.substr(team.rfind('/') + 1);
    e.routed_model = std::move(model);
    e.provider = "openai";
    e.input_tokens = 100;
    e.output_tokens = 10;
    e.cost_nanos = cost;
    e.baseline_nanos = baseline;
    e.status = 200;
    return e;
}

store::Database ledger_with(const std::vector<LedgerEntry>& rows) {
    auto db = pg_test::open_empty_store();
    REQUIRE(db);
    REQUIRE(insert_ledger_rows(*db, rows));
    return std::move(*db);
}

SpendQuery range(core::Millis since, core::Millis until) {
    SpendQuery q;
    q.since = since;
    q.until = until;
    return q;
}

const SpendRow* find_row(const SpendReport& report, const std::vector<std::string>& group) {
    for (const SpendRow& row : report.rows)
        if (row.group == group) return &row;
    return nullptr;
}

} // namespace

TEST_CASE("reports: grouped figures equal hand-computed sums over a generated ledger") {
    SyntheticSpec spec{.rows = 3000, .start = k_jan1, .end = k_jan1 + 90 * k_day, .seed = 7};
    std::vector<LedgerEntry> rows;
    for (std::int64_t i = 0; i < spec.rows; ++i) rows.push_back(synthetic_row(spec, i));
    auto db = ledger_with(rows);

    SpendQuery q = range(k_jan1 + 10 * k_day, k_jan1 + 70 * k_day);
    q.by = {Dimension::team, Dimension::model};
    auto zone = TimeZone::fixed(0, "UTC");
    auto report = run_spend_report(db, q, zone);
    REQUIRE_MESSAGE(report, (report ? "" : report.error().message));

    std::map<std::pair<std::string, std::string>, Figures> expected;
    Figures total;
    for (const LedgerEntry& e : rows) {
        if (e.ts < q.since || e.ts >= q.until) continue;
        Figures& f = expected[{e.team, e.routed_model}];
        for (Figures* g : {&f, &total}) {
            g->requests += 1;
            g->input_tokens += e.input_tokens;
            g->cached_tokens += e.cached_tokens;
            g->output_tokens += e.output_tokens;
            g->cost += e.cost_nanos;
            g->baseline += e.baseline_nanos;
            g->errors += e.status >= 400 ? 1 : 0;
            g->fallbacks += e.fallback ? 1 : 0;
        }
    }
    REQUIRE(report->rows.size() == expected.size());
    CHECK(report->total.requests == total.requests);
    CHECK(report->total.cost == total.cost);
    CHECK(report->total.baseline == total.baseline);
    CHECK(report->total.errors == total.errors);
    CHECK(report->total.fallbacks == total.fallbacks);
    CHECK(total.errors > 0);
    CHECK(total.fallbacks > 0);
    for (const auto& [group, f] : expected) {
        const SpendRow* row = find_row(*report, {group.first, group.second});
        REQUIRE_MESSAGE(row, group.first << " " << group.second);
        CHECK(row->totals.requests == f.requests);
        CHECK(row->totals.input_tokens == f.input_tokens);
        CHECK(row->totals.cached_tokens == f.cached_tokens);
        CHECK(row->totals.output_tokens == f.output_tokens);
        CHECK(row->totals.cost == f.cost);
        CHECK(row->totals.baseline == f.baseline);
        CHECK(row->totals.errors == f.errors);
        CHECK(row->totals.fallbacks == f.fallbacks);
    }
    for (std::size_t i = 1; i < report->rows.size(); ++i) CHECK(report->rows[i - 1].totals.cost >= report->rows[i].totals.cost);
}

TEST_CASE("reports: derived figures (share, average, savings) are exact") {
    Figures f{.requests = 3, .cost = 10, .baseline = 40};
    CHECK(f.average_cost() == 3);
    CHECK(f.savings() == 30);
    CHECK(f.savings_pct() == doctest::Approx(75.0));
    CHECK(f.share_of(40) == doctest::Approx(25.0));
    CHECK(Figures{}.savings_pct() == 0.0);
    CHECK(Figures{}.share_of(0) == 0.0);
}

TEST_CASE("reports: day buckets follow the time zone across midnight and a DST change") {
    auto berlin = TimeZone::load("Europe/Berlin");
    REQUIRE(berlin);
    // 2026-03-29: clocks go from 02:00 CET to 03:00 CEST (01:00Z); the local day is 23 hours long.
    core::Millis mar28_2330z = 1'774'740'600'000; // 2026-03-28T23:30Z = 2026-03-29 00:30 CET
    core::Millis mar29_2230z = mar28_2330z + 23 * k_hour; // 2026-03-29T22:30Z = 2026-03-30 00:30 CEST
    core::Millis mar29_2130z = mar29_2230z - k_hour;      // 2026-03-29 23:30 CEST
    auto db = ledger_with({entry("a", mar28_2330z, "acme/eng/platform", "m", 1, 2),
                           entry("b", mar29_2130z, "acme/eng/platform", "m", 10, 20),
                           entry("c", mar29_2230z, "acme/eng/platform", "m", 100, 200)});
    SpendQuery q = range(mar28_2330z - 2 * k_day, mar29_2230z + 2 * k_day);
    q.period = Granularity::day;

    auto local = run_spend_report(db, q, *berlin);
    REQUIRE(local);
    std::map<std::string, Nanos> by_day;
    for (std::size_t b = 0; b < local->buckets.size(); ++b) by_day[local->buckets[b].label] = local->total_series[b].cost;
    CHECK(by_day["2026-03-28"] == 0);
    CHECK(by_day["2026-03-29"] == 11);
    CHECK(by_day["2026-03-30"] == 100);
    for (const Bucket& b : local->buckets)
        if (b.label == "2026-03-29") CHECK(b.end - b.start == 23 * k_hour);

    auto utc = run_spend_report(db, q, TimeZone::fixed(0, "UTC"));
    REQUIRE(utc);
    by_day.clear();
    for (std::size_t b = 0; b < utc->buckets.size(); ++b) by_day[utc->buckets[b].label] = utc->total_series[b].cost;
    CHECK(by_day["2026-03-28"] == 1);
    CHECK(by_day["2026-03-29"] == 110);
    CHECK(by_day["2026-03-30"] == 0);
    CHECK(local->total.cost == 111);
}

TEST_CASE("reports: month and week buckets align to local calendar periods") {
    auto berlin = TimeZone::load("Europe/Berlin");
    REQUIRE(berlin);
    core::Millis oct31_2330z = 1'793'489'400'000; // 2026-10-31T23:30Z = 2026-11-01 00:30 CET
    auto db = ledger_with({entry("a", oct31_2330z, "acme/eng/platform", "m", 5, 5),
                           entry("b", oct31_2330z - k_day, "acme/eng/platform", "m", 7, 7)});
    SpendQuery q = range(oct31_2330z - 40 * k_day, oct31_2330z + 40 * k_day);
    q.period = Granularity::month;
    auto local = run_spend_report(db, q, *berlin);
    REQUIRE(local);
    std::map<std::string, Nanos> by_month;
    for (std::size_t b = 0; b < local->buckets.size(); ++b) by_month[local->buckets[b].label] = local->total_series[b].cost;
    CHECK(by_month["2026-10"] == 7);
    CHECK(by_month["2026-11"] == 5);
    auto utc = run_spend_report(db, q, TimeZone::fixed(0, "UTC"));
    REQUIRE(utc);
    by_month.clear();
    for (std::size_t b = 0; b < utc->buckets.size(); ++b) by_month[utc->buckets[b].label] = utc->total_series[b].cost;
    CHECK(by_month["2026-10"] == 12);
    CHECK(by_month["2026-11"] == 0);

    // Weeks start on Monday: 2026-11-01 is a Sunday, so it belongs to the week of 2026-10-26 in Berlin.
    q.period = Granularity::week;
    auto weeks = run_spend_report(db, q, *berlin);
    REQUIRE(weeks);
    std::map<std::string, Nanos> by_week;
    for (std::size_t b = 0; b < weeks->buckets.size(); ++b) by_week[weeks->buckets[b].label] = weeks->total_series[b].cost;
    CHECK(by_week["2026-10-26"] == 12);
    for (const Bucket& b : weeks->buckets) CHECK(b.end > b.start);
}

TEST_CASE("reports: filters by node, key, model, provider and caller scope") {
    std::vector<LedgerEntry> rows = {entry("1", k_jan1, "acme/eng/platform", "gpt-4o", 1, 1),
                                     entry("2", k_jan1, "acme/eng/apps", "gpt-4o", 10, 10),
                                     entry("3", k_jan1, "acme/sales/field", "claude", 100, 100),
                                     entry("4", k_jan1, "globex/eng/platform", "claude", 1000, 1000)};
    rows[3].provider = "bedrock";
    auto db = ledger_with(rows);
    auto zone = TimeZone::fixed(0);
    auto cost = [&](SpendQuery q) {
        auto report = run_spend_report(db, q, zone);
        REQUIRE(report);
        return report->total.cost;
    };
    SpendQuery q = range(k_jan1, k_jan1 + 1);
    CHECK(cost(q) == 1111);
    SUBCASE("node paths of every depth") {
        q.node = "acme";
        CHECK(cost(q) == 111);
        q.node = "acme/eng";
        CHECK(cost(q) == 11);
        q.node = "acme/eng/apps";
        CHECK(cost(q) == 10);
        q.node = "acme/eng/apps/alice";
        CHECK(cost(q) == 10);
        q.node = "acme/e"; // a prefix is not a node
        CHECK(cost(q) == 0);
        q.node = "a/b/c/d/e";
        CHECK(!run_spend_report(db, q, zone));
    }
    SUBCASE("key, model and provider") {
        q.key = "key_apps";
        CHECK(cost(q) == 10);
        q.key.clear();
        q.model = "claude";
        CHECK(cost(q) == 1100);
        q.provider = "bedrock";
        CHECK(cost(q) == 1000);
    }
    SUBCASE("scopes and own spend") {
        q.scopes = {"acme/eng/platform", "acme/sales"};
        CHECK(cost(q) == 101);
        q.scopes = {""};
        CHECK(cost(q) == 1111);
        q.scopes.clear();
        q.own_user = "acme/eng/apps/alice";
        CHECK(cost(q) == 10);
        q.own_user.clear();
        q.own_key = "key_field";
        CHECK(cost(q) == 100);
    }
    SUBCASE("the time range is half-open") {
        CHECK(cost(range(k_jan1 + 1, k_jan1 + 2)) == 0);
        CHECK(!run_spend_report(db, range(k_jan1, k_jan1), zone));
    }
}

TEST_CASE("reports: --top keeps the most costly groups and folds the rest") {
    std::vector<LedgerEntry> rows;
    for (int i = 0; i < 5; ++i) rows.push_back(entry(std::to_string(i), k_jan1, "acme/eng/t" + std::to_string(i), "m", (i + 1) * 10, 100));
    auto db = ledger_with(rows);
    SpendQuery q = range(k_jan1, k_jan1 + k_day);
    q.by = {Dimension::team};
    q.top = 2;
    q.period = Granularity::day;
    auto report = run_spend_report(db, q, TimeZone::fixed(0));
    REQUIRE(report);
    REQUIRE(report->rows.size() == 3);
    CHECK(report->rows[0].group[0] == "acme/eng/t4");
    CHECK(report->rows[1].group[0] == "acme/eng/t3");
    CHECK(report->rows[2].other);
    CHECK(report->rows[2].group[0] == "(other)");
    CHECK(report->rows[2].totals.cost == 60);
    CHECK(report->rows[2].totals.requests == 3);
    CHECK(report->rows[2].series[0].cost == 60);
    CHECK(report->total.cost == 150);
}

TEST_CASE("reports: parameters parse and reject bad input") {
    auto zone = TimeZone::fixed(3600, "plus1");
    core::Millis now = k_jan1 + 10 * k_day + 5 * k_hour;
    CHECK(parse_instant("7d", now, zone).value() == now - 7 * k_day);
    CHECK(parse_instant("12h", now, zone).value() == now - 12 * k_hour);
    CHECK(parse_instant("2026-01-05", now, zone).value() == k_jan1 + 4 * k_day - k_hour);
    CHECK(parse_instant("2026-01-05T08:30", now, zone).value() == k_jan1 + 4 * k_day + 7 * k_hour + 30 * 60'000);
    CHECK(parse_instant("today", now, zone).value() == k_jan1 + 10 * k_day - k_hour);
    CHECK(parse_instant("month", now, zone).value() == k_jan1 - k_hour);
    CHECK(parse_instant("1767225600000", now, zone).value() == k_jan1);
    CHECK(!parse_instant("yesterday-ish", now, zone));
    CHECK(!parse_instant("2026-02-30", now, zone));
    CHECK(parse_dimensions("team, model").value() == std::vector<Dimension>{Dimension::team, Dimension::model});
    CHECK(parse_dimensions("department").value() == std::vector<Dimension>{Dimension::dept});
    auto bad = parse_dimensions("team,colour");
    REQUIRE(!bad);
    CHECK(bad.error().code == ErrorCode::invalid_argument);
    CHECK(bad.error().message.find("colour") != std::string::npos);
    CHECK(!parse_dimensions("team,team"));
    CHECK(parse_granularity("week").value() == Granularity::week);
    CHECK(!parse_granularity("fortnight"));
}
