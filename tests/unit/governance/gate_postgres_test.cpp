// A gate on a PostgreSQL store: requests never wait on the server, so
// settings changed anywhere (the CLI, the admin API, another gateway) reach
// the gate through its writer thread's poll (every 250 ms) instead of a
// per-request check. Runs in the [pg] pass only.
#include <httplib.h>

#include <atomic>
#include <mutex>
#include <set>
#include <chrono>
#include <thread>

#include "gate_fixture.hpp"
#include "governance/sql.hpp"

using namespace gov_test;
using namespace std::chrono_literals;

namespace {

// How long until `ready()` holds, polling every 5 ms for at most 3 s.
template <typename F>
std::chrono::milliseconds time_until(F&& ready) {
    auto start = std::chrono::steady_clock::now();
    while (!ready() && std::chrono::steady_clock::now() - start < 3s) std::this_thread::sleep_for(5ms);
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

} // namespace

TEST_CASE("governance: on PostgreSQL a new key, a revocation and a budget reach the gate within a second" *
          doctest::skip(!pg_test::enabled())) {
    Store s;
    std::string old_key = s.key_for("acme/eng/platform/bob");
    auto gate = s.gate();
    REQUIRE(gate->authenticate(old_key).has_value());

    std::string key = s.key_for("acme/eng/platform/alice"); // written on another connection
    CHECK(gate->authenticate(key).error().code == ErrorCode::unauthenticated); // not yet: no round trip per request
    auto learned = time_until([&] { return gate->authenticate(key).has_value(); });
    MESSAGE("a new key was accepted after " << learned.count() << " ms");
    REQUIRE(gate->authenticate(key).has_value());
    CHECK(learned < 1000ms);

    auto who = *gate->authenticate(key);
    REQUIRE(s.admin().revoke_key(who.key_id).has_value());
    auto revoked = time_until([&] { return !gate->authenticate(key).has_value(); });
    MESSAGE("a revoked key was refused after " << revoked.count() << " ms");
    CHECK(gate->authenticate(key).error().code == ErrorCode::unauthenticated);
    CHECK(revoked < 1000ms);

    auto bob = *gate->authenticate(old_key);
    CHECK(gate->reserve(bob, 2 * k_usd, 0).has_value()); // no budget yet: a $2 worst case is admitted
    s.budget(ScopeKind::node, "acme/eng/platform", 1 * k_usd);
    auto limited = time_until([&] { return !gate->reserve(bob, 2 * k_usd, 0).has_value(); });
    MESSAGE("a new budget held after " << limited.count() << " ms");
    CHECK(limited < 1000ms);
    auto refused = gate->reserve(bob, 2 * k_usd, 0);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::budget_exceeded);
}

TEST_CASE("governance: on PostgreSQL the ledger, the budget usage and the rollup are written together" *
          doctest::skip(!pg_test::enabled())) {
    Store s;
    std::string key = s.key_for("acme/eng/platform/alice");
    std::int64_t team = s.budget(ScopeKind::node, "acme/eng/platform", 100 * k_usd);
    {
        auto gate = s.gate();
        auto who = *gate->authenticate(key);
        for (int i = 0; i < 50; ++i) gate->settle(*gate->reserve(who, 0, 0), entry("r" + std::to_string(i), k_usd / 10));
        gate->settle(*gate->reserve(who, 0, 0), entry("r7", k_usd / 10)); // a re-sent id books nothing
        gate->flush();
    }
    CHECK(scalar(*s.db, "SELECT COUNT(*) FROM ledger") == 50);
    CHECK(scalar(*s.db, "SELECT SUM(cost_nanos) FROM ledger") == 5 * k_usd);
    CHECK(scalar(*s.db, "SELECT spent FROM gov_usage WHERE budget_id = " + std::to_string(team)) == 5 * k_usd);
    CHECK(scalar(*s.db, "SELECT SUM(cost_nanos) FROM ledger_rollup WHERE level = 1") == 5 * k_usd);
    CHECK(scalar(*s.db, "SELECT SUM(requests) FROM ledger_rollup WHERE level = 0") == 50);
}

TEST_CASE("governance: three gates on one PostgreSQL store never pass a budget, and use all of it" *
          doctest::skip(!pg_test::enabled())) {
    Store s;
    std::string key = s.key_for("acme/eng/platform/alice");
    std::int64_t team = s.budget(ScopeKind::node, "acme/eng/platform", 20 * k_usd);
    std::vector<std::unique_ptr<Gate>> gates;
    for (int i = 0; i < 3; ++i) gates.push_back(s.gate());
    auto who = *gates[0]->authenticate(key);
    // 300 requests at once, each holding and then spending $1, spread over the three gates;
    // a refused one retries while the refusal says so (a lease being claimed), then gives up.
    std::atomic<int> admitted{0}, busy{0}, blocked{0}, in_flight{0}, peak{0};
    std::atomic<int> next{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 12; ++t)
        threads.emplace_back([&] {
            for (int n = next++; n < 300; n = next++) {
                Gate& gate = *gates[static_cast<std::size_t>(n % 3)];
                auto deadline = std::chrono::steady_clock::now() + 10s;
                while (true) {
                    auto hold = gate.reserve(who, 1 * k_usd, 0);
                    if (hold) {
                        int now_in = ++in_flight;
                        for (int p = peak; now_in > p && !peak.compare_exchange_weak(p, now_in);) {}
                        std::this_thread::sleep_for(1ms);
                        --in_flight;
                        gate.settle(*hold, entry("r" + std::to_string(n), 1 * k_usd));
                        ++admitted;
                        break;
                    }
                    if (!hold.error().retryable || std::chrono::steady_clock::now() > deadline) {
                        ++blocked;
                        CHECK(hold.error().code == ErrorCode::budget_exceeded);
                        break;
                    }
                    ++busy;
                    std::this_thread::sleep_for(5ms);
                }
            }
        });
    for (auto& t : threads) t.join();
    for (auto& gate : gates) gate->flush();
    std::uint64_t claims = 0;
    for (auto& gate : gates) {
        CHECK(gate->lease_claims() > 0); // each claimed room of its own
        claims += gate->lease_claims();
    }
    MESSAGE("admitted " << admitted.load() << ", refused " << blocked.load() << ", busy retries " << busy.load()
                        << ", most held at once " << peak.load() << ", lease claims " << claims);
    CHECK(admitted == 20);
    CHECK(blocked == 280);
    CHECK(scalar(*s.db, "SELECT COUNT(*) FROM ledger") == 20);
    CHECK(scalar(*s.db, "SELECT spent FROM gov_usage WHERE budget_id = " + std::to_string(team)) == 20 * k_usd);
    // Leases hold what is not spent: nothing, now; together never more than the room.
    CHECK(scalar(*s.db, "SELECT COALESCE(SUM(amount), 0) FROM gov_leases WHERE budget_id = " + std::to_string(team)) == 0);
    gates.clear(); // each gate gives its leases back on the way out
    CHECK(scalar(*s.db, "SELECT COUNT(*) FROM gov_leases") == 0);
    CHECK(scalar(*s.db, "SELECT COUNT(*) FROM gov_replicas") == 0);
}

TEST_CASE("governance: two gates on one PostgreSQL outbox send each alert once" * doctest::skip(!pg_test::enabled())) {
    Store s;
    httplib::Server receiver;
    std::atomic<int> posts{0};
    std::mutex seen_mutex;
    std::set<std::string> seen;
    std::atomic<int> repeats{0};
    receiver.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
        ++posts;
        std::lock_guard lock(seen_mutex);
        if (!seen.insert(req.get_header_value("X-Megarouter-Event-Id")).second) ++repeats;
        res.set_content("{}", "application/json");
    });
    int port = receiver.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    std::thread serving([&] { receiver.listen_after_bind(); });
    Admin admin(*s.db, s.clock, TimeZone::fixed(0, "UTC"), {}, AdminSettings{.allow_private_webhooks = true});
    REQUIRE(admin.add_webhook("", "http://127.0.0.1:" + std::to_string(port) + "/hook", "s1", "").has_value());
    GateOptions options{.deliver_alerts = true, .allow_private_webhooks = true};
    auto a = Gate::open(s.file, s.clock, options);
    auto b = Gate::open(s.file, s.clock, options);
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    for (int i = 0; i < 40; ++i)
        (i % 2 ? *a : *b)->post_event("evt_once_" + std::to_string(i), "deployment.ejected", "", s.clock.now_ms(),
                                       "test event", {{"n", i}});
    auto delivered = [&] {
        return scalar(*s.db, "SELECT COUNT(*) FROM gov_deliveries WHERE status = 'delivered'");
    };
    auto took = time_until([&] { return delivered() == 40; });
    std::this_thread::sleep_for(1500ms); // both workers scan again: nothing is sent twice
    MESSAGE("40 events delivered in " << took.count() << " ms by two gateways");
    CHECK(delivered() == 40);
    CHECK(posts == 40);
    CHECK(repeats == 0);
    a->reset();
    b->reset();
    receiver.stop();
    serving.join();
}

TEST_CASE("governance: gateways sharing a PostgreSQL store split a key's rpm evenly" * doctest::skip(!pg_test::enabled())) {
    Store s;
    std::string key = s.key_for("acme/eng/platform/alice", {.rpm = 10});
    auto a = s.gate();
    auto b = s.gate(); // registers as the second running gateway
    auto c = s.gate(); // and the third: each now counts three (heartbeats every lease_ttl_ms / 4)
    auto counted = time_until([&] {
        return scalar(*s.db, "SELECT COUNT(*) FROM gov_replicas") == 3;
    });
    CHECK(counted < 1000ms);
    std::this_thread::sleep_for(2600ms); // a's and b's next heartbeat sees c (every 2.5 s at the default TTL)
    auto who = *a->authenticate(key);
    int admitted = 0;
    for (int i = 0; i < 10; ++i) admitted += a->precheck(who).has_value() ? 1 : 0;
    CHECK(admitted == 4); // ceil(10 / 3)
    int others = 0;
    for (Gate* g : {b.get(), c.get()})
        for (int i = 0; i < 10; ++i) others += g->precheck(who).has_value() ? 1 : 0;
    CHECK(others == 8);
    CHECK(admitted + others <= 10 + 2); // the limit, within one request per gateway
}
