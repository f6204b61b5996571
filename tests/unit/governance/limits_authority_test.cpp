// Limits cannot be lifted from below: a budget is changed or removed only by
// a role over the node that set it, pools are the root's, and a refused
// change commits nothing.
#include "gate_fixture.hpp"
#include "governance/sql.hpp"

using namespace gov_test;

namespace {

std::int64_t count(store::Database& db, const std::string& text) {
    std::int64_t n = -1;
    (void)sql::each(db, text, [&](const store::Statement& st) { n = st.int64(0); });
    return n;
}

Principal principal(std::string owner, std::vector<Grant> grants) {
    Principal p;
    p.owner = std::move(owner);
    p.key_prefix = "mr-test";
    p.grants = std::move(grants);
    return p;
}

} // namespace

TEST_CASE("governance: a budget set by the department cannot be changed or deleted by the team") {
    Store s;
    Principal dept_admin = principal("acme/eng/web/carol", {{Role::admin, "acme/eng"}});
    Principal team_admin = principal("acme/eng/platform/alice", {{Role::admin, "acme/eng/platform"}});
    Principal team_billing = principal("acme/eng/platform/bob", {{Role::billing, "acme/eng/platform"}});
    Principal org_billing = principal("acme/eng/web/carol", {{Role::billing, "acme"}});
    Admin as_dept(*s.db, s.clock, TimeZone::fixed(0, "UTC"), Actor{&dept_admin});
    auto set = as_dept.set_budget({.scope_kind = ScopeKind::node, .scope = "acme/eng/platform", .amount = 10 * k_usd});
    REQUIRE(set.has_value());
    CHECK(set->set_by == "acme/eng");
    std::int64_t version = count(*s.db, "SELECT version FROM gov_version");
    for (const Principal* below : {&team_admin, &team_billing}) {
        Admin as_below(*s.db, s.clock, TimeZone::fixed(0, "UTC"), Actor{below});
        auto removed = as_below.delete_budget(set->id);
        REQUIRE_FALSE(removed.has_value());
        CHECK(removed.error().code == ErrorCode::permission_denied);
        CHECK(removed.error().message.find("set at 'acme/eng'") != std::string::npos);
        auto raised = as_below.set_budget({.scope_kind = ScopeKind::node, .scope = "acme/eng/platform",
                                           .amount = 1000 * k_usd, .block_pct = 1000});
        REQUIRE_FALSE(raised.has_value());
        CHECK(raised.error().code == ErrorCode::permission_denied);
    }
    // Nothing committed: same row, same amount, no settings change seen by gates.
    CHECK(count(*s.db, "SELECT amount FROM gov_budgets WHERE id = " + std::to_string(set->id)) == 10 * k_usd);
    CHECK(count(*s.db, "SELECT block_pct FROM gov_budgets WHERE id = " + std::to_string(set->id)) == 100);
    CHECK(count(*s.db, "SELECT version FROM gov_version") == version);
    // The team may still set its own (other period) budgets, and change those.
    Admin as_team(*s.db, s.clock, TimeZone::fixed(0, "UTC"), Actor{&team_admin});
    auto own = as_team.set_budget({.scope_kind = ScopeKind::node, .scope = "acme/eng/platform", .period = Period::daily,
                                   .amount = k_usd});
    REQUIRE(own.has_value());
    CHECK(own->set_by == "acme/eng/platform");
    CHECK(as_team.delete_budget(own->id).has_value());
    // A role over the department (org billing) may change it; then it is the org's.
    Admin as_org(*s.db, s.clock, TimeZone::fixed(0, "UTC"), Actor{&org_billing});
    auto changed = as_org.set_budget({.scope_kind = ScopeKind::node, .scope = "acme/eng/platform", .amount = 20 * k_usd});
    REQUIRE(changed.has_value());
    CHECK(changed->set_by == "acme");
    CHECK(as_dept.delete_budget(set->id).error().code == ErrorCode::permission_denied);
    CHECK(as_org.delete_budget(set->id).has_value());
    // The local CLI sets budgets at the root.
    CHECK(s.admin().set_budget({.scope_kind = ScopeKind::node, .scope = "acme", .amount = k_usd})->set_by == "");
}

TEST_CASE("governance: pool membership is the root's, and a refused removal commits nothing") {
    Store s;
    Admin a = s.admin();
    REQUIRE(a.create_pool("shared", "", {.period = Period::monthly, .amount = 5 * k_usd}).has_value());
    REQUIRE(a.add_pool_member("shared", "acme/eng/platform").has_value());
    Principal team_admin = principal("acme/eng/platform/alice", {{Role::admin, "acme/eng/platform"}});
    Principal org_owner = principal("acme/eng/platform/bob", {{Role::owner, "acme"}});
    std::int64_t version = count(*s.db, "SELECT version FROM gov_version");
    for (const Principal* p : {&team_admin, &org_owner}) {
        Admin as(*s.db, s.clock, TimeZone::fixed(0, "UTC"), Actor{p});
        auto removed = as.remove_pool_member("shared", "acme/eng/platform");
        REQUIRE_FALSE(removed.has_value());
        CHECK(removed.error().code == ErrorCode::permission_denied);
        CHECK(as.add_pool_member("shared", "acme/eng/web").error().code == ErrorCode::permission_denied);
    }
    CHECK(count(*s.db, "SELECT COUNT(*) FROM gov_pool_members") == 1);
    CHECK(count(*s.db, "SELECT version FROM gov_version") == version);
    Principal root = principal("acme/eng/platform/bob", {{Role::billing, ""}});
    Admin as_root(*s.db, s.clock, TimeZone::fixed(0, "UTC"), Actor{&root});
    CHECK(as_root.remove_pool_member("shared", "acme/eng/platform").has_value());
    CHECK(count(*s.db, "SELECT COUNT(*) FROM gov_pool_members") == 0);
}

TEST_CASE("governance: deleting or moving a node does not lift limits set above the actor") {
    Store s;
    REQUIRE(s.admin().create_node({.path = "acme/ops"}).has_value());
    REQUIRE(s.admin().set_budget({.scope_kind = ScopeKind::node, .scope = "acme/eng/platform/alice", .amount = k_usd})
                .has_value());
    REQUIRE(s.admin().set_budget({.scope_kind = ScopeKind::node, .scope = "acme/eng", .amount = k_usd}).has_value());
    Principal team_admin = principal("acme/eng/platform/bob", {{Role::admin, "acme/eng/platform"}, {Role::admin, "acme/ops"}});
    Admin as(*s.db, s.clock, TimeZone::fixed(0, "UTC"), Actor{&team_admin});
    auto deleted = as.delete_node("acme/eng/platform/alice", false);
    REQUIRE_FALSE(deleted.has_value());
    CHECK(deleted.error().code == ErrorCode::permission_denied);
    CHECK(count(*s.db, "SELECT COUNT(*) FROM gov_nodes WHERE path = 'acme/eng/platform/alice'") == 1);
    // Moving the team out of acme/eng would leave the department's budget behind.
    auto moved = as.move_node("acme/eng/platform", "acme/ops");
    REQUIRE_FALSE(moved.has_value());
    CHECK(moved.error().code == ErrorCode::permission_denied);
    CHECK(count(*s.db, "SELECT COUNT(*) FROM gov_nodes WHERE path = 'acme/eng/platform'") == 1);
    // A user with no limits set above may go.
    CHECK(as.delete_node("acme/eng/platform/bob", false).has_value());
}

TEST_CASE("governance: a node's rate limits are changed only from above it") {
    Store s;
    Node team = *s.admin().show_node("acme/eng/platform");
    team.rpm = 10;
    REQUIRE(s.admin().update_node(team).has_value());
    Principal team_admin = principal("acme/eng/platform/alice", {{Role::admin, "acme/eng/platform"}});
    Admin as(*s.db, s.clock, TimeZone::fixed(0, "UTC"), Actor{&team_admin});
    team.rpm.reset();
    auto lifted = as.update_node(team);
    REQUIRE_FALSE(lifted.has_value());
    CHECK(lifted.error().code == ErrorCode::permission_denied);
    CHECK(count(*s.db, "SELECT rpm FROM gov_nodes WHERE path = 'acme/eng/platform'") == 10);
    team.rpm = 10;
    team.display_name = "Platform";
    CHECK(as.update_node(team).has_value()); // the name is the team's own
}
