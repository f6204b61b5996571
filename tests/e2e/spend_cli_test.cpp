#include <doctest/doctest.h>

#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "e2e/support.hpp"
#include "megarouter/core/clock.hpp"
#include "megarouter/governance/admin.hpp"
#include "megarouter/reports/synthetic.hpp"
#include "megarouter/store/database.hpp"

using megarouter::e2e::TempHome;
namespace core = megarouter::core;
namespace governance = megarouter::governance;
namespace reports = megarouter::reports;
namespace store = megarouter::store;

namespace {

megarouter::e2e::Outcome run_cli(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
    return megarouter::e2e::run_megarouter(args, env);
}

constexpr core::Millis k_day = 86'400'000;
constexpr core::Millis k_oct1 = 1'790'812'800'000; // 2026-10-01T00:00Z

// A ledger of 2000 synthetic rows over October and November 2026 in the
// temp home's database; returns the rows for hand-computed sums.
std::vector<governance::LedgerEntry> seed_ledger(const TempHome& home) {
    reports::SyntheticSpec spec{.rows = 2000, .start = k_oct1, .end = k_oct1 + 61 * k_day, .seed = 11};
    std::vector<governance::LedgerEntry> rows;
    for (std::int64_t i = 0; i < spec.rows; ++i) rows.push_back(reports::synthetic_row(spec, i));
    auto db = store::Database::open(home.path() / "megarouter.db");
    REQUIRE(db);
    REQUIRE(reports::insert_ledger_rows(*db, rows));
    return rows;
}

// "12.000000001" -> 12000000001.
std::int64_t nanos_of(const std::string& usd) {
    auto dot = usd.find('.');
    std::string fraction = usd.substr(dot + 1);
    fraction.resize(9, '0');
    std::int64_t whole = std::stoll(usd.substr(0, dot));
    return whole * 1'000'000'000 + (usd[0] == '-' ? -1 : 1) * std::stoll(fraction);
}

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream in(line);
    std::string cell;
    while (std::getline(in, cell, ',')) out.push_back(cell);
    return out;
}

} // namespace

TEST_CASE("spend e2e: --json figures match hand-computed sums across a month boundary in Europe/Berlin") {
    TempHome home;
    auto rows = seed_ledger(home);
    // November in Berlin: 2026-10-31T23:00Z .. 2026-11-30T23:00Z.
    core::Millis since = 1'793'487'600'000, until = since + 30 * k_day;
    std::map<std::string, std::int64_t> cost, requests;
    std::int64_t total = 0, baseline = 0, errors = 0;
    for (const auto& e : rows) {
        if (e.ts < since || e.ts >= until || e.org != "acme") continue;
        cost[e.team] += e.cost_nanos;
        requests[e.team] += 1;
        total += e.cost_nanos;
        baseline += e.baseline_nanos;
        errors += e.status >= 400;
    }
    auto out = run_cli({"spend", "--json", "--by", "team", "--node", "acme", "--since", "2026-11-01", "--until",
                           "2026-12-01", "--tz", "Europe/Berlin", "--period", "week"},
                          home.env());
    REQUIRE_MESSAGE(out.exit_code == 0, out.err);
    auto json = nlohmann::json::parse(out.out);
    CHECK(json["since"] == since);
    CHECK(json["until"] == until);
    CHECK(json["zone"] == "Europe/Berlin");
    CHECK(json["total"]["cost_nanos"] == total);
    CHECK(json["total"]["baseline_nanos"] == baseline);
    CHECK(json["total"]["savings_nanos"] == baseline - total);
    CHECK(json["total"]["errors"] == errors);
    REQUIRE(json["rows"].size() == cost.size());
    for (const auto& row : json["rows"]) {
        std::string team = row["group"]["team"];
        CHECK(row["cost_nanos"] == cost[team]);
        CHECK(row["requests"] == requests[team]);
        std::int64_t series_sum = 0;
        for (const auto& step : row["series"]) series_sum += step["cost_nanos"].get<std::int64_t>();
        CHECK(series_sum == cost[team]);
    }
    CHECK(json["buckets"][0]["label"] == "2026-10-26"); // the Monday of the week holding Nov 1st
}

TEST_CASE("spend e2e: --csv and --jsonl give the same figures as --json") {
    TempHome home;
    seed_ledger(home);
    std::vector<std::string> base = {"spend", "--by", "model", "--since", "2026-10-01", "--until", "2026-12-01",
                                     "--tz", "UTC"};
    auto with = [&](std::string flag) {
        auto args = base;
        args.push_back(flag);
        auto out = run_cli(args, home.env());
        REQUIRE_MESSAGE(out.exit_code == 0, out.err);
        return out.out;
    };
    auto json = nlohmann::json::parse(with("--json"));
    std::map<std::string, std::int64_t> from_json;
    for (const auto& row : json["rows"]) from_json[row["group"]["model"]] = row["cost_nanos"];

    std::stringstream csv(with("--csv"));
    std::string line;
    std::getline(csv, line);
    auto header = split(line);
    REQUIRE(header[0] == "model");
    REQUIRE(header[5] == "cost_usd");
    std::map<std::string, std::int64_t> from_csv;
    while (std::getline(csv, line)) from_csv[split(line)[0]] = nanos_of(split(line)[5]);
    CHECK(from_csv == from_json);

    std::stringstream jsonl(with("--jsonl"));
    std::map<std::string, std::int64_t> from_jsonl;
    while (std::getline(jsonl, line)) {
        auto j = nlohmann::json::parse(line);
        from_jsonl[j["model"]] = j["cost_nanos"];
    }
    CHECK(from_jsonl == from_json);
    CHECK(from_json.size() == 6);
}

TEST_CASE("spend e2e: the table on a pipe has no colour or charts; budgets show beside the spend") {
    TempHome home;
    seed_ledger(home);
    {
        auto db = store::Database::open(home.path() / "megarouter.db");
        REQUIRE(db);
        auto zone = governance::TimeZone::load("UTC");
        REQUIRE(zone);
        governance::Admin admin(*db, core::system_clock(), *zone);
        for (std::string path : {"acme", "acme/eng"}) {
            governance::Node node;
            node.path = path;
            REQUIRE(admin.create_node(node));
        }
        governance::BudgetSpec budget;
        budget.scope = "acme/eng";
        budget.amount = 250'000'000'000; // $250
        REQUIRE(admin.set_budget(budget));
    }
    auto out = run_cli({"spend", "--by", "team", "--top", "3", "--since", "2026-10-01", "--until", "2026-12-01"},
                          home.env());
    REQUIRE_MESSAGE(out.exit_code == 0, out.err);
    CHECK(out.out.find("Total") != std::string::npos);
    CHECK(out.out.find("(other)") != std::string::npos);
    CHECK(out.out.find("Budgets") != std::string::npos);
    CHECK(out.out.find("acme/eng") != std::string::npos);
    CHECK(out.out.find("$250.00") != std::string::npos);
    CHECK(out.out.find("\x1b[") == std::string::npos);
    CHECK(out.out.find("█") == std::string::npos);

    auto json = run_cli({"spend", "--json", "--node", "acme/eng/platform"}, home.env());
    REQUIRE(json.exit_code == 0);
    auto budgets = nlohmann::json::parse(json.out)["budgets"];
    REQUIRE(budgets.size() == 1); // the ancestor's budget governs the team
    CHECK(budgets[0]["scope"] == "acme/eng");
    CHECK(budgets[0]["amount"] == 250'000'000'000);
}

TEST_CASE("spend e2e: bad parameter values exit 65 (data) with a clear message") {
    TempHome home;
    auto by = run_cli({"spend", "--by", "colour"}, home.env());
    CHECK(by.exit_code == 65);
    CHECK(by.err.find("colour") != std::string::npos);
    auto since = run_cli({"spend", "--since", "last tuesday"}, home.env());
    CHECK(since.exit_code == 65);
    auto order = run_cli({"spend", "--since", "2026-11-02", "--until", "2026-11-01"}, home.env());
    CHECK(order.exit_code == 65);
    auto zone = run_cli({"spend", "--tz", "Mars/Olympus"}, home.env());
    CHECK(zone.exit_code == 78);
    auto help = run_cli({"spend", "--help"}, home.env());
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--period") != std::string::npos);
    CHECK(help.out.find("Examples") != std::string::npos);
}
