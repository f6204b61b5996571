#include <chrono>
#include <atomic>
#include <thread>

#include "gate_fixture.hpp"
#include "governance/sql.hpp"

using namespace gov_test;

// "From the next request": SQLite's data_version; PostgreSQL polls (gate_postgres_test.cpp).
TEST_CASE("governance: keys authenticate, and revocation holds on the next request" * doctest::skip(pg_test::enabled())) {
    Store s;
    auto gate = s.gate();
    CHECK_FALSE(gate->keys_exist());
    std::string key = s.key_for("acme/eng/platform/alice");
    CHECK(key.starts_with("mr-"));
    CHECK(key.size() == 46);
    auto who = gate->authenticate(key);
    REQUIRE(who.has_value());
    CHECK(gate->keys_exist());
    CHECK(who->user == "acme/eng/platform/alice");
    CHECK(who->team == "acme/eng/platform");
    CHECK(who->dept == "acme/eng");
    CHECK(who->org == "acme");
    CHECK(gate->authenticate("mr-nope").error().code == ErrorCode::unauthenticated);
    // Only the hash is stored.
    int plain = 0;
    (void)sql::each(*s.db, "SELECT 1 FROM gov_keys WHERE hash = ? OR prefix = ?", [&](auto&) { ++plain; }, key, key);
    CHECK(plain == 0);
    // Revoked through another connection (as the CLI does): refused at once.
    REQUIRE(s.admin().revoke_key(who->key_id).has_value());
    auto after = gate->authenticate(key);
    REQUIRE_FALSE(after.has_value());
    CHECK(after.error().code == ErrorCode::unauthenticated);
    CHECK(after.error().message.find("revoked") != std::string::npos);
}

TEST_CASE("governance: expired keys and out-of-policy models are refused") {
    Store s;
    auto created = s.admin().create_key(KeySpec{.owner = "acme/eng/platform/alice",
                                                .expires_ms = s.clock.now_ms() + 1000,
                                                .policy = {.allowed_models = {"gpt-4o-mini"}}});
    REQUIRE(created.has_value());
    auto gate = s.gate();
    auto who = gate->authenticate(created->secret);
    REQUIRE(who.has_value());
    CHECK(Gate::check_policy(*who, "gpt-4o-mini", "openai", "openai", "cost").has_value());
    auto denied = Gate::check_policy(*who, "gpt-4o", "openai", "openai", "cost");
    REQUIRE_FALSE(denied.has_value());
    CHECK(denied.error().code == ErrorCode::permission_denied);
    CHECK(denied.error().message.find("allowed_models") != std::string::npos);
    s.clock.advance_ms(1000); // expiry boundary is >=
    CHECK(gate->authenticate(created->secret).error().code == ErrorCode::unauthenticated);
}

TEST_CASE("governance: guardrails move ok -> alert -> downgrade -> blocked with >= boundaries") {
    Store s;
    std::string key = s.key_for("acme/eng/platform/alice");
    std::int64_t team = s.budget(ScopeKind::node, "acme/eng/platform", 100 * k_usd);
    auto gate = s.gate();
    auto who = *gate->authenticate(key);
    auto spend = [&](const std::string& id, Nanos cost) {
        auto hold = gate->reserve(who, 0, 0);
        REQUIRE(hold.has_value());
        gate->settle(*hold, entry(id, cost));
    };
    CHECK_FALSE(gate->precheck(who)->downgrade);
    spend("r1", 80 * k_usd - 1);
    CHECK_FALSE(gate->precheck(who)->downgrade);
    spend("r2", 1); // exactly 80%: alert
    auto guard = gate->precheck(who);
    REQUIRE(guard.has_value());
    CHECK_FALSE(guard->downgrade);
    spend("r3", 10 * k_usd); // exactly 90%: downgrade
    guard = gate->precheck(who);
    REQUIRE(guard.has_value());
    CHECK(guard->downgrade);
    CHECK(guard->forced_mode == "cost");
    CHECK(guard->reason.find("acme/eng/platform monthly budget") != std::string::npos);
    spend("r4", 10 * k_usd); // exactly 100%: blocked
    auto blocked = gate->precheck(who);
    REQUIRE_FALSE(blocked.has_value());
    CHECK(blocked.error().code == ErrorCode::budget_exceeded);
    CHECK_FALSE(blocked.error().retryable);
    CHECK(blocked.error().message.find("team acme/eng/platform monthly budget") != std::string::npos);
    CHECK(blocked.error().message.find("resets at 2024-02-01 00:00 UTC") != std::string::npos);
    CHECK(gate->reserve(who, 1, 0).error().code == ErrorCode::budget_exceeded);
    gate->flush();
    // Spend and ledger agree in the store; each crossing fired once.
    std::int64_t spent = 0, rows = 0, events = 0;
    (void)sql::each(*s.db, "SELECT spent FROM gov_usage WHERE budget_id = ?", [&](auto& st) { spent = st.int64(0); }, team);
    (void)sql::each(*s.db, "SELECT COUNT(*) FROM ledger WHERE team = 'acme/eng/platform'", [&](auto& st) { rows = st.int64(0); });
    (void)sql::each(*s.db, "SELECT COUNT(*) FROM gov_events WHERE type LIKE 'budget.%'", [&](auto& st) { events = st.int64(0); });
    CHECK(spent == 100 * k_usd);
    CHECK(rows == 4);
    CHECK(events == 3);
    // A new month resets the budget.
    s.clock.set_ms(1'706'745'600'000); // 2024-02-01 00:00 UTC
    CHECK(gate->precheck(who).has_value());
}

TEST_CASE("governance: the strictest guardrail on the path wins") {
    Store s;
    std::string key = s.key_for("acme/eng/platform/alice");
    auto a = s.admin();
    REQUIRE(a.set_budget({.scope_kind = ScopeKind::node, .scope = "acme", .amount = 1000 * k_usd}).has_value());
    REQUIRE(a.set_budget({.scope_kind = ScopeKind::node, .scope = "acme/eng", .amount = 10 * k_usd,
                          .price_ceiling_nanos = 2 * k_usd}).has_value());
    REQUIRE(a.set_budget({.scope_kind = ScopeKind::node, .scope = "acme/eng/platform", .amount = 20 * k_usd,
                          .price_ceiling_nanos = 1 * k_usd}).has_value());
    auto gate = s.gate();
    auto who = *gate->authenticate(key);
    gate->settle(*gate->reserve(who, 0, 0), entry("a", 9 * k_usd)); // dept 90% (downgrade), team 45%
    auto guard = gate->precheck(who);
    REQUIRE(guard.has_value());
    CHECK(guard->downgrade);
    CHECK(guard->price_ceiling_per_mtok == 2 * k_usd);
    gate->settle(*gate->reserve(who, 0, 0), entry("b", 9 * k_usd)); // dept blocked, team 90%
    auto blocked = gate->precheck(who);
    REQUIRE_FALSE(blocked.has_value());
    CHECK(blocked.error().message.find("department acme/eng") != std::string::npos);
    // A sibling team under another department branch is untouched; carol is in acme/eng too, so blocked.
    std::string carol = s.key_for("acme/eng/web/carol");
    CHECK_FALSE(gate->precheck(*gate->authenticate(carol)).has_value());
}

TEST_CASE("governance: a shared pool limits both of its teams") {
    Store s;
    auto a = s.admin();
    REQUIRE(a.create_pool("shared", "", {.period = Period::monthly, .amount = 5 * k_usd}).has_value());
    REQUIRE(a.add_pool_member("shared", "acme/eng/platform").has_value());
    REQUIRE(a.add_pool_member("shared", "acme/eng/web").has_value());
    std::string alice = s.key_for("acme/eng/platform/alice");
    std::string carol = s.key_for("acme/eng/web/carol");
    auto gate = s.gate();
    auto a_who = *gate->authenticate(alice);
    auto c_who = *gate->authenticate(carol);
    auto hold = gate->reserve(a_who, 0, 0);
    CHECK(hold->pools == "shared");
    gate->settle(*hold, entry("p1", 5 * k_usd));
    auto refused = gate->precheck(c_who);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message.find("pool shared") != std::string::npos);
}

// Admission against a whole budget; on PostgreSQL a gate admits within its lease (gate_postgres_test.cpp).
TEST_CASE("governance: 100 concurrent reservations against room for 10 admit exactly 10" * doctest::skip(pg_test::enabled())) {
    Store s;
    std::string key = s.key_for("acme/eng/platform/alice");
    s.budget(ScopeKind::key, s.admin().list_keys("", false)->front().id, 10 * k_usd, Period::daily);
    s.budget(ScopeKind::node, "acme/eng", 1000 * k_usd);
    auto gate = s.gate();
    auto who = *gate->authenticate(key);
    std::atomic<int> admitted{0}, refused{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 100; ++i)
        threads.emplace_back([&, i] {
            auto hold = gate->reserve(who, 1 * k_usd, 100);
            if (!hold) {
                CHECK(hold.error().code == ErrorCode::budget_exceeded);
                ++refused;
                return;
            }
            ++admitted;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            gate->settle(*hold, entry("c" + std::to_string(i), 1 * k_usd));
        });
    for (auto& t : threads) t.join();
    CHECK(admitted == 10);
    CHECK(refused == 90);
    gate->flush();
    std::int64_t rows = 0, cost = 0;
    (void)sql::each(*s.db, "SELECT COUNT(*), SUM(cost_nanos) FROM ledger", [&](auto& st) {
        rows = st.int64(0);
        cost = st.int64(1);
    });
    CHECK(rows == 10);
    CHECK(cost == 10 * k_usd);
}

// Admission against a whole budget; on PostgreSQL a gate admits within its lease (gate_postgres_test.cpp).
TEST_CASE("governance: a restarted gate keeps spend and ledger consistent, and sees other processes' spend" * doctest::skip(pg_test::enabled())) {
    Store s;
    std::string key = s.key_for("acme/eng/platform/alice");
    std::int64_t id = s.budget(ScopeKind::node, "acme/eng/platform", 3 * k_usd);
    {
        auto gate = s.gate();
        auto who = *gate->authenticate(key);
        gate->settle(*gate->reserve(who, 3 * k_usd, 0), entry("k1", 2 * k_usd));
        auto open_hold = gate->reserve(who, 1 * k_usd, 0); // never settled: "crash"
        CHECK(open_hold.has_value());
    } // destructor flushes
    auto gate = s.gate();
    auto other = s.gate(); // a second process on the same store
    auto who = *gate->authenticate(key);
    CHECK(gate->precheck(who).has_value()); // the open reservation did not survive
    auto hold = gate->reserve(who, 0, 0);
    REQUIRE(hold.has_value());
    gate->settle(*hold, entry("k2", 1 * k_usd));
    gate->record(entry("k2", 0)); // the same request id again: ledgered once
    gate->flush();
    std::int64_t rows = 0;
    (void)sql::each(*s.db, "SELECT COUNT(*) FROM ledger", [&](auto& st) { rows = st.int64(0); });
    CHECK(rows == 2);
    std::int64_t spent = 0;
    (void)sql::each(*s.db, "SELECT spent FROM gov_usage WHERE budget_id = ?", [&](auto& st) { spent = st.int64(0); }, id);
    CHECK(spent == 3 * k_usd);
    // The other gate picks the committed spend up within its writer's refresh.
    bool blocked = false;
    for (int i = 0; i < 100 && !blocked; ++i) {
        blocked = !other->precheck(*other->authenticate(key)).has_value();
        if (!blocked) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(blocked);
}

TEST_CASE("governance: rpm limits refuse with retry-after") {
    Store s;
    std::string key = s.key_for("acme/eng/platform/alice", {.rpm = 2});
    auto gate = s.gate();
    auto who = *gate->authenticate(key);
    CHECK(gate->precheck(who).has_value());
    CHECK(gate->precheck(who).has_value());
    auto limited = gate->precheck(who);
    REQUIRE_FALSE(limited.has_value());
    CHECK(limited.error().code == ErrorCode::rate_limited);
    REQUIRE(limited.error().retry_after_seconds.has_value());
    CHECK(*limited.error().retry_after_seconds > 0);
    s.clock.advance_ms(60'000);
    CHECK(gate->precheck(who).has_value());
}

TEST_CASE("governance: a viewer key may not call models; the master key may") {
    Store s;
    auto created = s.admin().create_key(KeySpec{.owner = "acme/eng/platform/bob", .role = Role::viewer});
    REQUIRE(created.has_value());
    GateOptions options;
    options.master_key = "master-secret";
    auto gate = s.gate(options);
    auto viewer = gate->authenticate(created->secret);
    REQUIRE(viewer.has_value());
    CHECK(gate->precheck(*viewer).error().code == ErrorCode::permission_denied);
    auto master = gate->authenticate("master-secret");
    REQUIRE(master.has_value());
    CHECK(master->master);
    CHECK(gate->precheck(*master).has_value());
}

// "From the next request": SQLite's data_version; PostgreSQL polls (gate_postgres_test.cpp).
TEST_CASE("governance: keys made by another connection are enforced from the next call, closed on a failed load" * doctest::skip(pg_test::enabled())) {
    Store s;
    auto gate = s.gate();
    REQUIRE(gate->refresh().has_value());
    CHECK_FALSE(gate->enforcing());
    // The CLI's connection creates the first key: the very next refresh sees it.
    std::string key = s.key_for("acme/eng/platform/alice");
    CHECK_FALSE(gate->enforcing()); // memory only until refreshed
    CHECK(gate->authenticate_cached(key).error().code == ErrorCode::unauthenticated); // no SQLite: the old view
    REQUIRE(gate->refresh().has_value());
    CHECK(gate->enforcing());
    REQUIRE(gate->authenticate_cached(key).has_value());
    auto who = gate->authenticate(key);
    REQUIRE(who.has_value());
    REQUIRE(s.admin().revoke_key(who->key_id).has_value());
    CHECK(gate->authenticate(key).error().code == ErrorCode::unauthenticated);
    // A settings change that cannot be read fails closed instead of serving the old view.
    REQUIRE(s.admin().create_key(KeySpec{.owner = "acme/eng/platform/bob"}).has_value());
    REQUIRE(s.db->exec("ALTER TABLE gov_key_ceilings RENAME TO gov_key_ceilings_gone").has_value());
    REQUIRE(s.db->exec("UPDATE gov_version SET version = version + 1").has_value());
    auto failed = gate->authenticate(key);
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().code == ErrorCode::storage);
    REQUIRE(s.db->exec("ALTER TABLE gov_key_ceilings_gone RENAME TO gov_key_ceilings").has_value());
    CHECK(gate->authenticate(key).error().code == ErrorCode::unauthenticated); // retried, loaded, still revoked
}

TEST_CASE("governance: the per-request freshness check costs about a microsecond") {
    Store s;
    auto gate = s.gate();
    s.key_for("acme/eng/platform/alice");
    REQUIRE(gate->refresh().has_value());
    constexpr int k_calls = 200'000;
    auto began = std::chrono::steady_clock::now();
    for (int i = 0; i < k_calls; ++i) REQUIRE(gate->refresh().has_value());
    double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - began).count() / k_calls;
    MESSAGE("Gate::refresh() (PRAGMA data_version, unchanged): " << ns << " ns per call");
    CHECK(ns < 20'000); // a bound for slow CI machines; the figure is the message
}

// Admission against a whole budget; on PostgreSQL a gate admits within its lease (gate_postgres_test.cpp).
TEST_CASE("governance: a hold is admitted only when all of it fits under the block level" * doctest::skip(pg_test::enabled())) {
    Store s;
    std::string key = s.key_for("acme/eng/platform/alice");
    s.budget(ScopeKind::node, "acme/eng/platform", 10 * k_usd);
    auto gate = s.gate();
    auto who = *gate->authenticate(key);
    auto six = gate->reserve(who, 6 * k_usd, 0);
    REQUIRE(six.has_value());
    // $4 left: a $5 worst case would let spend pass $10 if it all came true.
    auto five = gate->reserve(who, 5 * k_usd, 0);
    REQUIRE_FALSE(five.has_value());
    CHECK(five.error().code == ErrorCode::budget_exceeded);
    CHECK(five.error().message.find("has $4.00 left") != std::string::npos);
    CHECK(five.error().retryable); // the $6 in flight comes back when it settles
    auto four = gate->reserve(who, 4 * k_usd, 0); // exactly the room: admitted
    REQUIRE(four.has_value());
    gate->settle(*six, entry("a", 6 * k_usd));
    gate->settle(*four, entry("b", 4 * k_usd));
    // Spent reached the block level exactly; now even a free request is refused, finally.
    auto after = gate->reserve(who, 0, 0);
    REQUIRE_FALSE(after.has_value());
    CHECK_FALSE(after.error().retryable);
    CHECK(after.error().message.find("is used up") != std::string::npos);
}

// Admission against a whole budget; on PostgreSQL a gate admits within its lease (gate_postgres_test.cpp).
TEST_CASE("governance: a hold that does not fit is offered the room, and may take less" * doctest::skip(pg_test::enabled())) {
    Store s;
    std::string key = s.key_for("acme/eng/platform/alice");
    s.budget(ScopeKind::node, "acme/eng/platform", 10 * k_usd);
    s.budget(ScopeKind::node, "acme/eng", 100 * k_usd);
    auto gate = s.gate();
    auto who = *gate->authenticate(key);
    gate->settle(*gate->reserve(who, 7 * k_usd, 0), entry("a", 7 * k_usd));
    Nanos offered = 0;
    std::int64_t offered_tokens = 0;
    auto fitted = gate->reserve(who, 5 * k_usd, 0, [&](Nanos room, std::int64_t room_tokens) {
        offered = room;
        offered_tokens = room_tokens;
        return std::optional<Hold>(Hold{room - k_usd / 2, 0});
    });
    REQUIRE(fitted.has_value());
    CHECK(offered == 3 * k_usd);          // the tighter of the team's $3 and the department's $93
    CHECK(offered_tokens == INT64_MAX);   // no token budget on the path
    CHECK(fitted->fitted);
    CHECK(fitted->amount == 3 * k_usd - k_usd / 2);
    // A fit that declines is a refusal.
    auto declined = gate->reserve(who, 5 * k_usd, 0, [](Nanos, std::int64_t) { return std::optional<Hold>(); });
    CHECK_FALSE(declined.has_value());
    // A fit that still does not fit is a refusal too, and holds nothing.
    auto greedy = gate->reserve(who, 5 * k_usd, 0, [](Nanos room, std::int64_t) { return std::optional<Hold>(Hold{room + 1, 0}); });
    CHECK_FALSE(greedy.has_value());
    CHECK(gate->reserved_by_limit().begin()->second == 3 * k_usd - k_usd / 2);
    gate->settle(*fitted, entry("b", k_usd));
    CHECK(gate->reserved_by_limit().empty());
}

// Admission against a whole budget; on PostgreSQL a gate admits within its lease (gate_postgres_test.cpp).
TEST_CASE("governance: extend raises a hold for a dearer failover under the same rule, and settle releases all of it" * doctest::skip(pg_test::enabled())) {
    Store s;
    std::string key = s.key_for("acme/eng/platform/alice");
    s.budget(ScopeKind::node, "acme/eng/platform", 10 * k_usd);
    auto gate = s.gate();
    auto who = *gate->authenticate(key);
    auto hold = gate->reserve(who, 3 * k_usd, 0);
    REQUIRE(hold.has_value());
    auto other = gate->reserve(who, 2 * k_usd, 0);
    REQUIRE(other.has_value());
    CHECK(gate->extend(*hold, 2 * k_usd, 0).has_value()); // smaller: nothing to do
    CHECK(hold->amount == 3 * k_usd);
    REQUIRE(gate->extend(*hold, 8 * k_usd, 0).has_value()); // 8 + 2 = 10: fits exactly
    CHECK(hold->amount == 8 * k_usd);
    auto too_much = gate->extend(*hold, 9 * k_usd, 0);
    REQUIRE_FALSE(too_much.has_value());
    CHECK(too_much.error().code == ErrorCode::budget_exceeded);
    CHECK(hold->amount == 8 * k_usd); // unchanged on refusal
    CHECK(gate->reserved_by_limit().begin()->second == 10 * k_usd);
    // With a fit: offered the most it may hold in all (its $8 plus nothing left).
    Nanos offered = 0;
    auto fitted = gate->extend(*hold, 9 * k_usd, 0, [&](Nanos room, std::int64_t) {
        offered = room;
        return std::optional<Hold>(Hold{room, 0});
    });
    CHECK(fitted.has_value());
    CHECK(offered == 8 * k_usd);
    gate->settle(*hold, entry("a", 1 * k_usd));
    gate->settle(*other, entry("b", 1 * k_usd));
    CHECK(gate->reserved_by_limit().empty());
}
