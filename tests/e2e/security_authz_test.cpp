// Issue 13, governance items against the real binary: privilege escalation
// through minted keys (3), keys made by the CLI while serve runs (5),
// /v1/embeddings through governance (6), and limits lifted from below with
// a 403 that commits nothing (7).
#include "e2e/governance_fixture.hpp"

using namespace gov_e2e;

namespace {

httplib::Headers bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

httplib::Result post(GovFixture& fx, const std::string& key, const std::string& path, const json& body) {
    return fx.client().Post(path, bearer(key), body.dump(), "application/json");
}

httplib::Result embed(GovFixture& fx, const std::string& key, const std::string& model = "text-embedding-3-small") {
    httplib::Headers headers;
    if (!key.empty()) headers = bearer(key);
    json body = {{"model", model}, {"input", "The quick brown fox jumps over the lazy dog, twice over."}};
    return fx.client().Post("/v1/embeddings", headers, body.dump(), "application/json");
}

} // namespace

TEST_CASE("security e2e: a team admin's key for an org-owner teammate cannot act above the team") {
    GovFixture fx;
    fx.hierarchy("acme/eng/platform/alice");
    fx.hierarchy("acme/eng/platform/bob");
    fx.cli_json({"role", "grant", "acme/eng/platform/alice", "admin", "acme/eng/platform"});
    fx.cli_json({"role", "grant", "acme/eng/platform/bob", "owner", "acme"});
    auto [alice_id, alice] = fx.key("acme/eng/platform/alice");
    fx.start();
    // Only an owner mints a role=owner key.
    auto owner_key = post(fx, alice, "/admin/keys", {{"owner", "acme/eng/platform/alice"}, {"role", "owner"}});
    REQUIRE_MESSAGE(owner_key, body_of(owner_key));
    CHECK(owner_key->status == 403);
    // The reported chain: a key for bob (org owner) ...
    auto minted = post(fx, alice, "/admin/keys", {{"owner", "acme/eng/platform/bob"}});
    REQUIRE_MESSAGE(minted, body_of(minted));
    REQUIRE_MESSAGE(minted->status == 200, minted->body);
    std::string bobs = json::parse(minted->body)["key"].get<std::string>();
    // ... then an org department ...
    auto dept = post(fx, bobs, "/admin/nodes", {{"path", "acme/evil"}});
    REQUIRE_MESSAGE(dept, body_of(dept));
    CHECK_MESSAGE(dept->status == 403, dept->body);
    // ... then owner on the org for alice.
    auto grant = post(fx, bobs, "/admin/roles", {{"subject", "acme/eng/platform/alice"}, {"role", "owner"}, {"scope", "acme"}});
    REQUIRE_MESSAGE(grant, body_of(grant));
    CHECK_MESSAGE(grant->status == 403, grant->body);
    // Rotating bob's key is a mint by the rotator: the same bound.
    auto rotated = post(fx, alice, "/admin/keys/" + json::parse(minted->body)["id"].get<std::string>() + "/rotate", json::object());
    REQUIRE_MESSAGE(rotated, body_of(rotated));
    REQUIRE_MESSAGE(rotated->status == 200, rotated->body);
    std::string rotated_key = json::parse(rotated->body)["key"].get<std::string>();
    CHECK(post(fx, rotated_key, "/admin/nodes", {{"path", "acme/evil2"}})->status == 403);
    // Within the team the key still works as admin.
    CHECK(post(fx, rotated_key, "/admin/nodes", {{"path", "acme/eng/platform/dave"}})->status == 200);
    fx.stop();
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM gov_nodes WHERE path LIKE 'acme/evil%'") == 0);
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM gov_grants WHERE role = 'owner' AND subject = 'acme/eng/platform/alice'") == 0);
}

TEST_CASE("security e2e: keys created and revoked by the CLI hold from the very next request") {
    GovFixture fx;
    fx.hierarchy("acme/eng/platform/alice");
    fx.start(); // no key exists: the loopback proxy is open
    auto open = fx.chat("", "gpt-4o-mini");
    REQUIRE_MESSAGE(open, body_of(open));
    CHECK(open->status == 200);
    auto [id, secret] = fx.key("acme/eng/platform/alice"); // `megarouter keys create`, another process
    fx.await_settings(); // PostgreSQL: within a second, not the very next request
    auto anonymous = fx.chat("", "gpt-4o-mini");
    REQUIRE_MESSAGE(anonymous, body_of(anonymous));
    CHECK_MESSAGE(anonymous->status == 401, anonymous->body);
    CHECK(fx.client().Get("/v1/models")->status == 401);
    auto keyed = fx.chat(secret, "gpt-4o-mini");
    REQUIRE_MESSAGE(keyed, body_of(keyed));
    CHECK(keyed->status == 200);
    fx.cli_json({"keys", "revoke", id});
    fx.await_settings();
    auto revoked = fx.chat(secret, "gpt-4o-mini");
    REQUIRE_MESSAGE(revoked, body_of(revoked));
    CHECK_MESSAGE(revoked->status == 401, revoked->body);
    CHECK(revoked->body.find("revoked") != std::string::npos);
    CHECK(embed(fx, secret)->status == 401);
    fx.stop();
}

TEST_CASE("security e2e: /v1/embeddings takes the governance chain and writes one priced ledger row") {
    // The built-in catalog prices no embeddings model: price one for the mock's openai.
    GovFixture fx("[[models]]\nid = \"text-embedding-3-small\"\nprovider = \"openai\"\ncontext = 8192\n"
                  "input_price = 0.02\noutput_price = 0.0\n");
    fx.hierarchy("acme/eng/platform/alice");
    fx.hierarchy("acme/eng/platform/bob");
    fx.hierarchy("acme/eng/web/carol");
    auto [alice_id, alice] = fx.key("acme/eng/platform/alice");
    auto [viewer_id, viewer] = fx.key("acme/eng/platform/bob", {"--role", "viewer"});
    auto [carol_id, carol] = fx.key("acme/eng/web/carol");
    auto [narrow_id, narrow] = fx.key("acme/eng/platform/alice", {"--model", "gpt-4o-mini"});
    fx.cli_json({"budget", "set", "acme/eng/web/carol", "--usd", "0", "--period", "monthly"});
    fx.start();
    CHECK(embed(fx, "")->status == 401);
    auto as_viewer = embed(fx, viewer); // viewers may not call models (docs/governance.md)
    REQUIRE_MESSAGE(as_viewer, body_of(as_viewer));
    CHECK_MESSAGE(as_viewer->status == 403, as_viewer->body);
    auto blocked = embed(fx, carol);
    REQUIRE_MESSAGE(blocked, body_of(blocked));
    CHECK_MESSAGE(blocked->status == 429, blocked->body);
    CHECK(blocked->body.find("budget") != std::string::npos);
    auto off_policy = embed(fx, narrow);
    REQUIRE_MESSAGE(off_policy, body_of(off_policy));
    CHECK_MESSAGE(off_policy->status == 403, off_policy->body);
    auto ok = embed(fx, alice);
    REQUIRE_MESSAGE(ok, body_of(ok));
    REQUIRE_MESSAGE(ok->status == 200, ok->body);
    CHECK(json::parse(ok->body)["data"].size() == 1);
    fx.stop(); // flushes the ledger
    std::string alices = "FROM ledger WHERE key_id = '" + alice_id + "' AND endpoint = '/v1/embeddings'";
    CHECK(scalar(fx.db(), "SELECT COUNT(*) " + alices) == 1);
    CHECK(scalar(fx.db(), "SELECT cost_nanos " + alices) > 0);
    CHECK(scalar(fx.db(), "SELECT input_tokens " + alices) > 0);
    // Refusals after authentication are settled too (status recorded, nothing spent).
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM ledger WHERE key_id = '" + carol_id + "' AND status = 429") == 1);
    CHECK(scalar(fx.db(), "SELECT COALESCE(SUM(cost_nanos), 0) FROM ledger WHERE key_id <> '" + alice_id + "'") == 0);
}

TEST_CASE("security e2e: a team admin cannot lift limits set above it, and the 403 commits nothing") {
    GovFixture fx;
    fx.hierarchy("acme/eng/platform/alice");
    fx.cli_json({"role", "grant", "acme/eng/platform/alice", "admin", "acme/eng/platform"});
    auto [alice_id, alice] = fx.key("acme/eng/platform/alice");
    json budget = fx.cli_json({"budget", "set", "acme/eng/platform", "--usd", "5", "--period", "monthly"});
    std::int64_t id = budget["id"].get<std::int64_t>();
    fx.cli_json({"pool", "create", "shared", "--usd", "50"});
    fx.cli_json({"pool", "add", "shared", "acme/eng/platform"});
    std::int64_t version = scalar(fx.db(), "SELECT version FROM gov_version");
    fx.start();
    auto c = fx.client();
    auto deleted = c.Delete("/admin/budgets/" + std::to_string(id), bearer(alice));
    REQUIRE_MESSAGE(deleted, body_of(deleted));
    CHECK_MESSAGE(deleted->status == 403, deleted->body);
    auto raised = post(fx, alice, "/admin/budgets",
                       {{"scope", "acme/eng/platform"}, {"period", "monthly"}, {"amount_usd", "5000"}});
    REQUIRE_MESSAGE(raised, body_of(raised));
    CHECK_MESSAGE(raised->status == 403, raised->body);
    auto left = c.Delete("/admin/pools/shared/members?node=acme/eng/platform", bearer(alice));
    REQUIRE_MESSAGE(left, body_of(left));
    CHECK_MESSAGE(left->status == 403, left->body);
    auto moved_out = c.Delete("/admin/nodes?path=acme/eng/platform&recursive=1", bearer(alice));
    REQUIRE_MESSAGE(moved_out, body_of(moved_out));
    CHECK_MESSAGE(moved_out->status == 403, moved_out->body);
    fx.stop();
    // Nothing changed: the budget, its amount, the membership, the settings counter.
    CHECK(scalar(fx.db(), "SELECT amount FROM gov_budgets WHERE id = " + std::to_string(id)) == 5'000'000'000);
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM gov_pool_members WHERE pool = 'shared' AND node = 'acme/eng/platform'") == 1);
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM gov_nodes WHERE path LIKE 'acme/eng/platform%'") == 2);
    CHECK(scalar(fx.db(), "SELECT version FROM gov_version") == version);
}
