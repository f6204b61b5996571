// The outbox worker delivers to every webhook at once: a receiver that hangs
// delays only itself.
#include "gate_fixture.hpp"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "governance/sql.hpp"

using namespace gov_test;
using namespace std::chrono_literals;

namespace {

struct Hook {
    httplib::Server server;
    std::thread thread;
    std::atomic<int> started{0}, answered{0};
    std::atomic<bool> release{false};
    int port = 0;

    explicit Hook(bool hang) {
        server.Post("/hook", [this, hang](const httplib::Request&, httplib::Response& res) {
            ++started;
            auto until = std::chrono::steady_clock::now() + 10s;
            while (hang && !release && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
            ++answered;
            res.set_content("{}", "application/json");
        });
        port = server.bind_to_any_port("127.0.0.1");
        REQUIRE(port > 0);
        thread = std::thread([this] { server.listen_after_bind(); });
    }
    ~Hook() {
        release = true;
        server.stop();
        thread.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/hook"; }
};

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return done();
}

} // namespace

TEST_CASE("governance: a hanging webhook receiver does not hold up the others") {
    Store s;
    Hook hanging(true), normal(false);
    // The hanging one was added first, so a one-at-a-time worker would try it first.
    // Both receivers are on loopback: allowed only with allow_private_webhooks.
    Admin admin(*s.db, s.clock, TimeZone::fixed(0, "UTC"), {}, AdminSettings{.allow_private_webhooks = true});
    REQUIRE(admin.add_webhook("", hanging.url(), "s1", "").has_value());
    REQUIRE(admin.add_webhook("", normal.url(), "s2", "").has_value());
    auto gate = Gate::open(s.file, s.clock, GateOptions{.deliver_alerts = true, .allow_private_webhooks = true});
    REQUIRE(gate.has_value());

    auto count = [&](const std::string& sql) {
        std::int64_t n = -1;
        if (!sql::each(*s.db, sql, [&](const store::Statement& st) { n = st.int64(0); })) return std::int64_t{-1};
        return n;
    };
    auto delivered = [&] { return count("SELECT COUNT(*) FROM gov_deliveries WHERE status = 'delivered'"); };
    auto began = std::chrono::steady_clock::now();
    (*gate)->post_event("evt_test_1", "deployment.ejected", "", s.clock.now_ms(), "test event", {{"n", 1}});
    (*gate)->post_event("evt_test_2", "deployment.recovered", "", s.clock.now_ms(), "test event", {{"n", 2}});
    CHECK(wait_until([&] { return hanging.started >= 1; }, 3s));
    // Both events reach the normal receiver, and are recorded, while the other one hangs.
    CHECK(wait_until([&] { return delivered() == 2; }, 3s));
    auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
    MESSAGE("normal receiver got both events after " << waited.count() << " ms");
    CHECK(waited < 3s);
    CHECK(normal.answered == 2);
    CHECK(hanging.started == 1); // one delivery per webhook in flight; the second waits its turn
    CHECK(hanging.answered == 0);

    // Stopping does not wait for the hanging receiver; its deliveries stay pending.
    auto stopping = std::chrono::steady_clock::now();
    gate->reset();
    CHECK(std::chrono::steady_clock::now() - stopping < 2s);
    CHECK(delivered() == 2);
    CHECK(count("SELECT COUNT(*) FROM gov_deliveries WHERE status = 'pending'") == 2);
}
