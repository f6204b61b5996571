// Reservations live in the proxy's gate: its live holds fill the budgets'
// "reserved", and where no gate is asked (the CLI) the output says so.
#include <doctest/doctest.h>

#include "../governance/gate_fixture.hpp"
#include "megarouter/reports/budgets.hpp"
#include "megarouter/reports/render.hpp"

using namespace megarouter;
using namespace megarouter::reports;
using gov_test::k_usd;

TEST_CASE("reports: the gate reports what requests in flight hold per budget") {
    gov_test::Store store;
    std::int64_t team = store.budget(governance::ScopeKind::node, "acme/eng/platform", 100 * k_usd);
    std::int64_t dept = store.budget(governance::ScopeKind::node, "acme/eng", 500 * k_usd);
    std::int64_t other = store.budget(governance::ScopeKind::node, "acme/eng/web", 100 * k_usd);
    std::string secret = store.key_for("acme/eng/platform/alice");
    auto gate = store.gate();
    auto who = gate->authenticate(secret);
    REQUIRE(who);
    CHECK(gate->reserved_by_limit().empty());

    auto first = gate->reserve(*who, 3 * k_usd, 0);
    auto second = gate->reserve(*who, 2 * k_usd, 0);
    REQUIRE(first);
    REQUIRE(second);
    auto held = gate->reserved_by_limit();
    CHECK(held[team] == 5 * k_usd);
    CHECK(held[dept] == 5 * k_usd);
    CHECK(held.count(other) == 0);

    gate->settle(*first, gov_test::entry("r1", 1 * k_usd));
    held = gate->reserved_by_limit();
    CHECK(held[team] == 2 * k_usd);
    gate->settle(*second, gov_test::entry("r2", 1 * k_usd));
    CHECK(gate->reserved_by_limit().empty());
}

TEST_CASE("reports: budgets show reserved only when a gate was asked") {
    governance::BudgetInfo info;
    info.id = 7;
    info.spec.scope_kind = governance::ScopeKind::node;
    info.spec.scope = "acme/eng";
    info.spec.period = governance::Period::monthly;
    info.spec.amount = 100 * k_usd;
    info.spent = 40 * k_usd;
    info.level = "ok";
    info.bounds = {1'767'225'600'000, 1'769'904'000'000}; // January 2026 UTC
    std::vector<BudgetView> views = {view_budget(info, 1'768'000'000'000)};
    CHECK_FALSE(views[0].reserved_known);
    CHECK(views[0].remaining == 60 * k_usd);

    SpendReport report;
    report.query.since = 1'767'225'600'000;
    report.query.until = 1'769'904'000'000;
    auto zone = governance::TimeZone::fixed(0, "UTC");
    CHECK(to_json(report, views, zone)["budgets"][0]["reserved"].is_null());
    CHECK(render_table(report, views, zone, {}).find("reserved: n/a (proxy not queried)") != std::string::npos);

    apply_reserved(views, {{7, 25 * k_usd}, {8, 1}});
    CHECK(views[0].reserved_known);
    CHECK(views[0].reserved == 25 * k_usd);
    CHECK(views[0].remaining == 35 * k_usd);
    CHECK(to_json(report, views, zone)["budgets"][0]["reserved"] == 25 * k_usd);
    CHECK(render_table(report, views, zone, {}).find("reserved: n/a") == std::string::npos);
}
