// Authorization under composition: a key never carries more than its minter
// could grant, only an owner hands out owner, and rotation is a mint.
#include "gate_fixture.hpp"
#include "governance/sql.hpp"

using namespace gov_test;

namespace {

std::int64_t count(store::Database& db, const std::string& text) {
    std::int64_t n = -1;
    (void)sql::each(db, text, [&](const store::Statement& st) { n = st.int64(0); });
    return n;
}

// The store of gate_fixture plus: alice admin on the team, bob (her teammate)
// owner of the organisation, and keys for both made by the local CLI.
struct Team : Store {
    std::unique_ptr<Gate> g;
    std::string alice_key, bob_key;
    Team() {
        Admin a = admin();
        REQUIRE(a.grant("acme/eng/platform/alice", Role::admin, "acme/eng/platform").has_value());
        REQUIRE(a.grant("acme/eng/platform/bob", Role::owner, "acme").has_value());
        alice_key = key_for("acme/eng/platform/alice");
        bob_key = key_for("acme/eng/platform/bob");
        g = gate();
    }
    Principal who(const std::string& key) {
        auto p = g->authenticate(key);
        REQUIRE_MESSAGE(p.has_value(), (p ? "" : p.error().message));
        return *p;
    }
    Admin as(const Principal& p) { return Admin(*db, clock, TimeZone::fixed(0, "UTC"), Actor{&p}); }
};

} // namespace

TEST_CASE("governance: the reported chain: a team admin's key for an org owner cannot act above the team") {
    Team t;
    Principal alice = t.who(t.alice_key);
    // Step 1: the team admin mints a key for her teammate, who owns the organisation.
    auto minted = t.as(alice).create_key({.owner = "acme/eng/platform/bob"});
    REQUIRE(minted.has_value());
    Principal through = t.who(minted->secret);
    CHECK_FALSE(grants_allow(through.grants, Permission::manage_nodes, "acme"));
    CHECK_FALSE(holds_owner(through.grants, "acme/eng/platform"));
    CHECK(grants_allow(through.grants, Permission::manage_nodes, "acme/eng/platform")); // owner cut to admin on the team
    // Step 2 and 3 of the chain: an org department, then owner on the org.
    Admin as_key = t.as(through);
    auto dept = as_key.create_node({.path = "acme/evil"});
    REQUIRE_FALSE(dept.has_value());
    CHECK(dept.error().code == ErrorCode::permission_denied);
    auto owner = as_key.grant("acme/eng/platform/alice", Role::owner, "acme");
    REQUIRE_FALSE(owner.has_value());
    CHECK(owner.error().code == ErrorCode::permission_denied);
    CHECK(count(*t.db, "SELECT COUNT(*) FROM gov_nodes WHERE path = 'acme/evil'") == 0);
    CHECK(count(*t.db, "SELECT COUNT(*) FROM gov_grants WHERE role = 'owner' AND scope = 'acme'") == 1);
    // A grant made to bob later does not widen the key either.
    REQUIRE(t.admin().grant("acme/eng/platform/bob", Role::admin, "acme/eng").has_value());
    CHECK_FALSE(grants_allow(t.who(minted->secret).grants, Permission::manage_nodes, "acme/eng"));
    // Bob's own key (minted locally) keeps everything he holds.
    CHECK(grants_allow(t.who(t.bob_key).grants, Permission::manage_nodes, "acme"));
}

TEST_CASE("governance: only an owner mints a role=owner key or grants and revokes owner") {
    Team t;
    Principal alice = t.who(t.alice_key);
    auto refused = t.as(alice).create_key({.owner = "acme/eng/platform/alice", .role = Role::owner});
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::permission_denied);
    CHECK(refused.error().message.find("only an owner") != std::string::npos);
    CHECK(t.as(alice).create_key({.owner = "acme/eng/platform/alice", .role = Role::admin}).has_value());
    CHECK(t.as(alice).revoke_grant("acme/eng/platform/bob", Role::owner, "acme").error().code ==
          ErrorCode::permission_denied);
    CHECK(t.as(alice).grant("acme/eng/platform/alice", Role::owner, "acme/eng/platform").error().code ==
          ErrorCode::permission_denied);
    Principal bob = t.who(t.bob_key);
    auto by_owner = t.as(bob).create_key({.owner = "acme/eng/platform/alice", .role = Role::owner});
    REQUIRE(by_owner.has_value());
    CHECK(holds_owner(t.who(by_owner->secret).grants, "acme/eng/platform/alice"));
}

TEST_CASE("governance: rotation obeys the mint rule and a refused rotation changes nothing") {
    Team t;
    Principal alice = t.who(t.alice_key);
    Principal bob = t.who(t.bob_key);
    auto owner_key = t.as(bob).create_key({.owner = "acme/eng/platform/bob", .role = Role::owner});
    REQUIRE(owner_key.has_value());
    std::int64_t keys_before = count(*t.db, "SELECT COUNT(*) FROM gov_keys");
    std::int64_t version_before = count(*t.db, "SELECT version FROM gov_version");
    auto refused = t.as(alice).rotate_key(owner_key->info.id, 0);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::permission_denied);
    CHECK(count(*t.db, "SELECT COUNT(*) FROM gov_keys") == keys_before);
    CHECK(count(*t.db, "SELECT version FROM gov_version") == version_before);
    CHECK(t.g->authenticate(owner_key->secret).has_value());
    // Bob's locally minted key rotated by the team admin: the new key is hers to bound.
    auto rotated = t.as(alice).rotate_key(t.bob_key.substr(0, 11), 0);
    REQUIRE(rotated.has_value());
    CHECK_FALSE(grants_allow(t.who(rotated->secret).grants, Permission::manage_nodes, "acme"));
    CHECK(t.g->authenticate(t.bob_key).error().code == ErrorCode::unauthenticated);
}

TEST_CASE("governance: grants are bounded by overlap with the ceiling") {
    std::vector<Grant> grants{{Role::owner, "acme"}, {Role::billing, "acme/eng"}, {Role::member, "acme/eng/web/carol"}};
    std::vector<Grant> ceiling{{Role::admin, "acme/eng/platform"}};
    auto bound = bound_grants(grants, ceiling);
    REQUIRE(bound.size() == 2);
    CHECK(bound[0].role == Role::admin);
    CHECK(bound[0].scope == "acme/eng/platform");
    CHECK(bound[1].role == Role::billing);
    CHECK(bound[1].scope == "acme/eng/platform");
    CHECK(bound_grants(grants, std::vector<Grant>{{Role::owner, "acme"}}).size() == 3);
    CHECK(bound_grants(grants, std::vector<Grant>{}).empty());
    auto able = grantable(std::vector<Grant>{{Role::owner, "a"}, {Role::admin, "b"}, {Role::billing, "c"}});
    REQUIRE(able.size() == 2);
    CHECK(able[0].role == Role::owner);
    CHECK(able[1].role == Role::admin);
}
