#include "gate_fixture.hpp"
#include "governance/sql.hpp"
#include "megarouter/catalog/catalog.hpp"

using namespace gov_test;

TEST_CASE("governance: nodes follow the four-level hierarchy and move with their references") {
    Store s;
    auto a = s.admin();
    CHECK(a.create_node({.path = "acme/eng/platform/alice/x"}).error().code == ErrorCode::invalid_argument);
    CHECK(a.create_node({.path = "globex/ops"}).error().code == ErrorCode::not_found);
    CHECK(a.create_node({.path = "acme/eng"}).error().code == ErrorCode::invalid_argument);
    auto key = a.create_key({.owner = "acme/eng/platform/alice"});
    REQUIRE(key.has_value());
    REQUIRE(a.set_budget({.scope_kind = ScopeKind::node, .scope = "acme/eng/platform/alice", .amount = k_usd}).has_value());
    auto moved = a.move_node("acme/eng/platform/alice", "acme/eng/web");
    REQUIRE(moved.has_value());
    CHECK(*moved == "acme/eng/web/alice");
    CHECK(a.show_key(key->info.id)->owner == "acme/eng/web/alice");
    CHECK(a.list_budgets("acme/eng/web")->size() == 1);
    CHECK(a.delete_node("acme/eng", false).error().code == ErrorCode::invalid_argument);
    CHECK(*a.delete_node("acme/eng/web", true) == 3);
    CHECK(a.show_key(key->info.id)->revoked_ms.has_value());
}

TEST_CASE("governance: admin actions check the actor's role scope") {
    Store s;
    auto a = s.admin();
    REQUIRE(a.grant("acme/eng/platform/alice", Role::admin, "acme/eng/platform").has_value());
    REQUIRE(a.grant("acme/eng/web/carol", Role::billing, "acme/eng").has_value());
    Principal alice;
    alice.owner = "acme/eng/platform/alice";
    alice.key_prefix = "mr-alice";
    alice.grants = {{Role::admin, "acme/eng/platform"}};
    Admin as_alice(*s.db, s.clock, TimeZone::fixed(0, "UTC"), Actor{&alice});
    CHECK(as_alice.create_key({.owner = "acme/eng/platform/bob"}).has_value());
    CHECK(as_alice.create_key({.owner = "acme/eng/web/carol"}).error().code == ErrorCode::permission_denied);
    CHECK(as_alice.grant("acme/eng/platform/bob", Role::owner, "acme/eng/platform").error().code ==
          ErrorCode::permission_denied);
    Principal carol;
    carol.owner = "acme/eng/web/carol";
    carol.grants = {{Role::billing, "acme/eng"}};
    Admin as_carol(*s.db, s.clock, TimeZone::fixed(0, "UTC"), Actor{&carol});
    CHECK(as_carol.set_budget({.scope_kind = ScopeKind::node, .scope = "acme/eng/platform", .amount = k_usd}).has_value());
    CHECK(as_carol.set_budget({.scope_kind = ScopeKind::node, .scope = "acme", .amount = k_usd}).error().code ==
          ErrorCode::permission_denied);
    CHECK(as_carol.create_key({.owner = "acme/eng/web/carol"}).error().code == ErrorCode::permission_denied);
}

TEST_CASE("governance: USD amounts parse and print exactly") {
    CHECK(*parse_usd("12.5") == 12'500'000'000);
    CHECK(*parse_usd("$0.000000001") == 1);
    CHECK_FALSE(parse_usd("12,5").has_value());
    CHECK(megarouter::catalog::format_usd(12'500'000'000) == "$12.50");
    CHECK(megarouter::catalog::format_usd(1'500) == "$0.0000015");
}

TEST_CASE("governance: budget amounts are shown rounded, never truncated") {
    Store s;
    auto a = s.admin();
    // $0.167 was shown as $0.16; $2.999 as $2.99.
    for (auto [nanos, shown] : {std::pair<Nanos, const char*>{167'000'000, "$0.167"}, {2'999'000'000, "$3.00"},
                                {12'345'678'900, "$12.35"}}) {
        CAPTURE(shown);
        auto set = a.set_budget({.scope_kind = ScopeKind::node, .scope = "acme/eng", .amount = nanos});
        REQUIRE(set.has_value());
        CHECK(to_json(*set, a.zone())["amount_usd"] == shown);
        CHECK(to_json(*set, a.zone())["spent_usd"] == "$0.00");
    }
}
