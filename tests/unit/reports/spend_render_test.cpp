#include <doctest/doctest.h>

#include <limits>
#include <sstream>

#include "megarouter/reports/budgets.hpp"
#include "megarouter/reports/render.hpp"
#include "megarouter/reports/spend_api.hpp"

using namespace megarouter;
using namespace megarouter::reports;
using governance::TimeZone;

namespace {

SpendReport sample_report() {
    SpendReport report;
    report.query.since = 1'767'225'600'000;
    report.query.until = report.query.since + 2 * 86'400'000;
    report.query.by = {Dimension::team};
    report.query.period = Granularity::day;
    report.zone = "UTC";
    report.buckets = {{report.query.since, report.query.since + 86'400'000, "2026-01-01"},
                      {report.query.since + 86'400'000, report.query.until, "2026-01-02"}};
    SpendRow a{{"acme/eng,\"x\""}, {.requests = 3, .input_tokens = 30, .output_tokens = 3, .cost = 3'000'000'001, .baseline = 6'000'000'002, .errors = 1, .fallbacks = 1}, {}, false};
    a.series = {{.requests = 1, .cost = 1'000'000'000, .baseline = 2'000'000'000}, {.requests = 2, .cost = 2'000'000'001, .baseline = 4'000'000'002, .errors = 1, .fallbacks = 1}};
    SpendRow b{{"acme/ops"}, {.requests = 1, .cost = 1'000'000'000}, {{.requests = 1, .cost = 1'000'000'000}, {}}, false};
    report.rows = {a, b};
    report.total = a.totals;
    report.total += b.totals;
    report.total_series = {a.series[0], a.series[1]};
    report.total_series[0] += b.series[0];
    return report;
}

} // namespace

TEST_CASE("reports: money formats keep sensible precision and exact sums") {
    CHECK(format_money(0) == "$0.00");
    CHECK(format_money(1'234'567'890'123) == "$1,234.57");
    CHECK(format_money(12'345'000) == "$0.0123");
    CHECK(format_money(45'000) == "$0.000045");
    CHECK(format_money(-2'500'000'000) == "-$2.50");
    CHECK(exact_usd(3'000'000'001) == "3.000000001");
    CHECK(exact_usd(12'500'000'000) == "12.50");
    CHECK(exact_usd(-1) == "-0.000000001");
    CHECK(format_count(1234567) == "1,234,567");
}

TEST_CASE("reports: JSON, JSONL and CSV carry the same figures") {
    SpendReport report = sample_report();
    auto zone = TimeZone::fixed(0, "UTC");
    auto json = to_json(report, {}, zone);
    CHECK(json["total"]["cost_nanos"] == 4'000'000'001);
    CHECK(json["total"]["savings_nanos"] == 2'000'000'001);
    CHECK(json["rows"].size() == 2);
    CHECK(json["rows"][0]["group"]["team"] == "acme/eng,\"x\"");
    CHECK(json["rows"][0]["share_pct"] == doctest::Approx(75.0));
    CHECK(json["rows"][0]["avg_cost_nanos"] == 1'000'000'000);
    CHECK(json["rows"][0]["series"].size() == 2);
    CHECK(json["buckets"][1]["label"] == "2026-01-02");
    CHECK(json["buckets"][1]["cost_nanos"] == 2'000'000'001);

    std::string jsonl = to_jsonl(report);
    std::istringstream lines(jsonl);
    std::string line;
    int count = 0;
    Nanos sum = 0;
    while (std::getline(lines, line)) {
        auto j = nlohmann::json::parse(line);
        sum += j["cost_nanos"].get<Nanos>();
        ++count;
    }
    CHECK(count == 3); // empty (bucket, group) cells are left out
    CHECK(sum == report.total.cost);

    std::string csv = to_csv(report);
    CHECK(csv.rfind("bucket,team,requests,input_tokens,cached_tokens,output_tokens,cost_usd,share_pct,", 0) == 0);
    CHECK(csv.find("2026-01-02,\"acme/eng,\"\"x\"\"\",2,0,0,0,2.000000001,100.00,1.00,1,1,4.000000002,2.000000001,50.00") !=
          std::string::npos);
}

TEST_CASE("reports: the table shows charts only when asked") {
    SpendReport report = sample_report();
    auto zone = TimeZone::fixed(0, "UTC");
    std::string plain = render_table(report, {}, zone, {});
    CHECK(plain.find("acme/ops") != std::string::npos);
    CHECK(plain.find("$4.00") != std::string::npos);
    CHECK(plain.find("\x1b[") == std::string::npos);
    CHECK(plain.find("█") == std::string::npos);
    CHECK(plain.find("▁") == std::string::npos);
    std::string fancy = render_table(report, {}, zone, {.charts = true, .color = true});
    CHECK(fancy.find("█") != std::string::npos);
    CHECK(fancy.find("\x1b[") != std::string::npos);
}

TEST_CASE("reports: budget projection flags a period that will cross the block line") {
    governance::BudgetInfo budget;
    budget.id = 3;
    budget.spec.scope = "acme/eng";
    budget.spec.period = governance::Period::monthly;
    budget.spec.amount = 100'000'000'000; // $100
    budget.spec.block_pct = 100;
    budget.spent = 60'000'000'000;
    budget.level = "ok";
    budget.bounds = {0, 30 * 86'400'000LL};
    SUBCASE("60% spent a third of the way through: projected 180%") {
        BudgetView v = view_budget(budget, 10 * 86'400'000LL);
        CHECK(v.projected == 180'000'000'000);
        CHECK(v.will_block);
        CHECK(v.remaining == 40'000'000'000);
        CHECK(v.block_line == 100'000'000'000);
        CHECK(v.blocks_at == 10 * 86'400'000LL * 100 / 60);
    }
    SUBCASE("60% spent at 90% of the period: stays under") {
        BudgetView v = view_budget(budget, 27 * 86'400'000LL);
        CHECK(v.projected == 66'666'666'666);
        CHECK(!v.will_block);
        CHECK(v.blocks_at == 0);
    }
    SUBCASE("total budgets are not projected") {
        budget.bounds = {0, std::numeric_limits<core::Millis>::max()};
        BudgetView v = view_budget(budget, 10);
        CHECK(v.projected == budget.spent);
        CHECK(!v.will_block);
    }
}

TEST_CASE("reports: callers see only the spend their roles cover") {
    using governance::Grant;
    using governance::Role;
    governance::Principal team_admin;
    team_admin.key_id = "key_1";
    team_admin.user = "acme/eng/platform/alice";
    team_admin.grants = {Grant{Role::admin, "acme/eng/platform"}, Grant{Role::member, "acme/eng/platform/alice"}};
    SpendQuery q;
    REQUIRE(restrict_to_caller(q, team_admin));
    CHECK(q.scopes == std::vector<std::string>{"acme/eng/platform"});
    q = {};
    q.node = "acme/sales";
    auto denied = restrict_to_caller(q, team_admin);
    REQUIRE(!denied);
    CHECK(denied.error().code == ErrorCode::permission_denied);
    q.node = "acme"; // an ancestor: allowed, still limited to the team
    REQUIRE(restrict_to_caller(q, team_admin));
    CHECK(q.scopes == std::vector<std::string>{"acme/eng/platform"});

    governance::Principal member;
    member.key_id = "key_2";
    member.user = "acme/eng/platform/bob";
    member.grants = {Grant{Role::member, "acme/eng/platform/bob"}};
    q = {};
    REQUIRE(restrict_to_caller(q, member));
    CHECK(q.scopes.empty());
    CHECK(q.own_user == "acme/eng/platform/bob");
    CHECK(q.own_key == "key_2");

    governance::Principal owner;
    owner.grants = {Grant{Role::viewer, ""}};
    q = {};
    REQUIRE(restrict_to_caller(q, owner));
    CHECK(q.scopes.empty());
    CHECK(q.own_user.empty());
}
