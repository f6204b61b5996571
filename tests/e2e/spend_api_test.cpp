#include <doctest/doctest.h>

#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "e2e/support.hpp"
#include "megarouter/governance/admin.hpp"
#include "megarouter/http/httplib_bridge.hpp"
#include "megarouter/governance/gate.hpp"
#include "megarouter/reports/spend_api.hpp"
#include "megarouter/reports/synthetic.hpp"
#include "support/pg.hpp"

using namespace megarouter;
using megarouter::e2e::TempHome;

namespace {

constexpr core::Millis k_day = 86'400'000;
constexpr core::Millis k_oct1 = 1'790'812'800'000; // 2026-10-01T00:00Z
constexpr const char* k_master = "mr-master-test-key";

struct Keys {
    std::string team_admin, member;
};

Keys seed(const std::filesystem::path& file, std::vector<governance::LedgerEntry>& rows) {
    auto db = store::Database::open(file);
    REQUIRE(db);
    reports::SyntheticSpec spec{.rows = 1500, .start = k_oct1, .end = k_oct1 + 30 * k_day, .seed = 5};
    for (std::int64_t i = 0; i < spec.rows; ++i) rows.push_back(reports::synthetic_row(spec, i));
    REQUIRE(reports::insert_ledger_rows(*db, rows));
    auto zone = governance::TimeZone::load("UTC");
    governance::Admin admin(*db, core::system_clock(), *zone);
    for (std::string path : {"acme", "acme/eng", "acme/eng/platform", "acme/eng/platform/alice"}) {
        governance::Node node;
        node.path = path;
        REQUIRE(admin.create_node(node));
    }
    governance::KeySpec team_spec;
    team_spec.owner = "acme/eng/platform";
    team_spec.role = governance::Role::admin;
    auto team_key = admin.create_key(team_spec);
    REQUIRE(team_key);
    governance::KeySpec member_spec;
    member_spec.owner = "acme/eng/platform/alice";
    member_spec.role = governance::Role::member;
    auto member_key = admin.create_key(member_spec);
    REQUIRE(member_key);
    return {team_key->secret, member_key->secret};
}

struct Served {
    httplib::Server server;
    std::thread thread;
    int port = 0;
    ~Served() {
        server.stop();
        if (thread.joinable()) thread.join();
    }
};

} // namespace

TEST_CASE("spend api e2e: /admin/spend scopes figures by role and /ui serves the dashboard") {
    TempHome home;
    std::filesystem::path file = pg_test::store_location(home.path() / "megarouter.db"); // PostgreSQL in [pg]
    std::vector<governance::LedgerEntry> rows;
    Keys keys = seed(file, rows);
    governance::GateOptions options;
    options.master_key = k_master;
    options.deliver_alerts = false;
    auto gate = governance::Gate::open(file, core::system_clock(), options);
    REQUIRE(gate);
    Served served;
    http::Router routes;
    reports::mount_spend_api(routes, **gate, file, "UTC");
    http::install(routes, served.server);
    served.port = served.server.bind_to_any_port("127.0.0.1");
    REQUIRE(served.port > 0);
    served.thread = std::thread([&] { served.server.listen_after_bind(); });
    for (int i = 0; i < 500 && !served.server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(served.server.is_running());
    httplib::Client client("127.0.0.1", served.port);
    client.set_read_timeout(10, 0);
    std::string range = "since=2026-10-01&until=2026-11-01&tz=UTC";
    auto get = [&](const std::string& path, const std::string& key) {
        httplib::Headers headers;
        if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
        auto result = client.Get(path, headers);
        REQUIRE(result);
        return *result;
    };
    auto sum = [&](auto&& keep) {
        std::int64_t total = 0;
        for (const auto& e : rows)
            if (keep(e)) total += e.cost_nanos;
        return total;
    };

    auto all = get("/admin/spend?by=team&" + range, k_master);
    REQUIRE(all.status == 200);
    CHECK(nlohmann::json::parse(all.body)["total"]["cost_nanos"] == sum([](auto&) { return true; }));

    auto team = get("/admin/spend?by=model&" + range, keys.team_admin);
    REQUIRE_MESSAGE(team.status == 200, team.body);
    CHECK(nlohmann::json::parse(team.body)["total"]["cost_nanos"] ==
          sum([](auto& e) { return e.team == "acme/eng/platform"; }));
    CHECK(get("/admin/spend?node=acme/sales&" + range, keys.team_admin).status == 403);

    auto own = get("/admin/spend?" + range, keys.member);
    REQUIRE_MESSAGE(own.status == 200, own.body);
    CHECK(nlohmann::json::parse(own.body)["total"]["cost_nanos"] ==
          sum([](auto& e) { return e.user == "acme/eng/platform/alice"; }));

    CHECK(get("/admin/spend?" + range, "").status == 401);
    CHECK(get("/admin/spend?" + range, "mr-wrong").status == 401);
    auto bad = get("/admin/spend?by=colour&" + range, k_master);
    CHECK(bad.status == 400);
    CHECK(nlohmann::json::parse(bad.body)["error"]["code"] == "invalid_argument");
    CHECK(get("/admin/spend?colour=red", k_master).status == 400);

    auto csv = get("/admin/spend?format=csv&by=team&" + range, k_master);
    CHECK(csv.status == 200);
    CHECK(csv.get_header_value("Content-Type").find("text/csv") == 0);
    CHECK(csv.body.rfind("team,requests,", 0) == 0);

    auto page = get("/ui/", "");
    CHECK(page.status == 200);
    CHECK(page.get_header_value("Content-Type").find("text/html") == 0);
    CHECK(page.body.find("/ui/app.js") != std::string::npos);
    auto script = get("/ui/app.js", "");
    CHECK(script.status == 200);
    CHECK(script.body.find("/admin/spend") != std::string::npos);
    CHECK(get("/ui/style.css", "").status == 200);
    CHECK(get("/ui/missing.js", "").status == 404);
    CHECK(get("/ui", "").status == 302);

    // A reservation held in the gate shows as the budget's "reserved" (the store cannot know it).
    {
        auto db = store::Database::open(file);
        REQUIRE(db);
        auto zone = governance::TimeZone::load("UTC");
        governance::Admin admin(*db, core::system_clock(), *zone);
        governance::BudgetSpec budget;
        budget.scope_kind = governance::ScopeKind::node;
        budget.scope = "acme/eng/platform";
        budget.period = governance::Period::monthly;
        budget.amount = 900'000'000'000; // $900
        REQUIRE(admin.set_budget(budget));
    }
    (*gate)->refresh_settings_now(); // PostgreSQL: the gate would see the new budget within 250 ms
    auto who = (*gate)->authenticate(keys.team_admin);
    REQUIRE(who);
    auto held = (*gate)->reserve(*who, 7'000'000'000, 0);
    // PostgreSQL: the first hold on a new budget waits for this gate's lease on it (as the proxy does).
    for (int i = 0; i < 100 && !held && governance::Gate::waits_for_lease(held.error()); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        held = (*gate)->reserve(*who, 7'000'000'000, 0);
    }
    REQUIRE(held);
    auto budget_of = [&](const std::string& body) {
        nlohmann::json parsed = nlohmann::json::parse(body);
        for (const auto& b : parsed["budgets"])
            if (b["scope"] == "acme/eng/platform") return b;
        return nlohmann::json();
    };
    auto holding = get("/admin/spend?node=acme/eng/platform&" + range, k_master);
    REQUIRE_MESSAGE(holding.status == 200, holding.body);
    auto shown = budget_of(holding.body);
    REQUIRE_MESSAGE(shown.is_object(), holding.body);
    CHECK(shown["reserved"] == 7'000'000'000);
    CHECK(shown["remaining"] == 900'000'000'000 - shown["spent"].get<std::int64_t>() - 7'000'000'000);
    governance::LedgerEntry done;
    done.request_id = "held-1";
    done.status = 200;
    done.cost_nanos = 1'000'000;
    (*gate)->settle(*held, done);
    CHECK(budget_of(get("/admin/spend?node=acme/eng/platform&" + range, k_master).body)["reserved"] == 0);
}
