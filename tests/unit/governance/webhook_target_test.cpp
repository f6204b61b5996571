// Webhook targets: every refused address class, as named and as resolved,
// at creation and again when the delivery connects.
#include "gate_fixture.hpp"

#include <arpa/inet.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "governance/sql.hpp"
#include "governance/webhook_target.hpp"

using namespace gov_test;
using namespace std::chrono_literals;

namespace {

std::optional<std::string> rule_of(const std::string& text) {
    in_addr v4{};
    if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return ipv4_rule(ntohl(v4.s_addr));
    in6_addr v6{};
    REQUIRE(inet_pton(AF_INET6, text.c_str(), &v6) == 1);
    std::array<std::uint8_t, 16> bytes{};
    std::copy(std::begin(v6.s6_addr), std::end(v6.s6_addr), bytes.begin());
    return ipv6_rule(bytes);
}

Resolver fake(std::vector<std::string> addresses) {
    return [addresses](const std::string&) { return addresses; };
}

} // namespace

TEST_CASE("governance: webhook address classes, IPv4, IPv6 and IPv4 inside IPv6") {
    const std::pair<const char*, const char*> k_refused[] = {
        {"127.0.0.1", "loopback"},        {"127.255.0.9", "loopback"},      {"10.1.2.3", "private"},
        {"172.16.0.1", "private"},        {"172.31.255.255", "private"},    {"192.168.1.1", "private"},
        {"169.254.169.254", "link-local"}, {"0.0.0.0", "unspecified"},      {"224.0.0.1", "multicast"},
        {"239.255.255.250", "multicast"}, {"255.255.255.255", "broadcast"}, {"100.64.0.1", "carrier-grade"},
        {"::1", "loopback"},              {"::", "unspecified"},            {"fe80::1", "link-local"},
        {"febf::1", "link-local"},        {"fc00::1", "private"},           {"fd12:3456::1", "private"},
        {"ff02::1", "multicast"},         {"::ffff:127.0.0.1", "IPv4-mapped loopback"},
        {"::ffff:10.0.0.1", "IPv4-mapped private"}, {"::ffff:169.254.169.254", "IPv4-mapped link-local"},
        {"::127.0.0.1", "IPv4-compatible loopback"}, {"64:ff9b::192.168.0.1", "NAT64 private"},
    };
    for (const auto& [address, rule] : k_refused) {
        CAPTURE(address);
        auto found = rule_of(address);
        REQUIRE(found.has_value());
        CHECK(found->find(rule) != std::string::npos);
    }
    for (const char* address : {"93.184.216.34", "172.32.0.1", "172.15.255.255", "8.8.8.8", "2606:4700::1111",
                                "::ffff:93.184.216.34", "64:ff9b::8.8.8.8", "100.128.0.1"}) {
        CAPTURE(address);
        CHECK_FALSE(rule_of(address).has_value());
    }
}

TEST_CASE("governance: webhook URLs naming or resolving to refused addresses are refused, unless allowed") {
    auto none = fake({});
    for (const char* url : {"http://127.0.0.1:9/hook", "http://[::1]:9/", "http://[::ffff:127.0.0.1]/",
                            "http://[fe80::1%25eth0]/", "https://[fd00::5]/", "http://localhost:8080/",
                            "http://hooks.LOCALHOST./", "http://0.0.0.0/", "http://169.254.169.254/latest"}) {
        CAPTURE(url);
        auto checked = check_webhook_url(url, false, none);
        REQUIRE_FALSE(checked.has_value());
        CHECK(checked.error().code == ErrorCode::invalid_argument);
        CHECK(checked.error().message.find("allow_private_webhooks") != std::string::npos);
        CHECK(check_webhook_url(url, true, none).has_value());
    }
    // Names are judged by every address they resolve to.
    auto mixed = check_webhook_url("https://hooks.example.com/x", false, fake({"93.184.216.34", "10.0.0.7"}));
    REQUIRE_FALSE(mixed.has_value());
    CHECK(mixed.error().message.find("resolves to 10.0.0.7") != std::string::npos);
    CHECK(mixed.error().message.find("private (10.0.0.0/8)") != std::string::npos);
    CHECK(check_webhook_url("https://hooks.example.com/x", false, fake({"93.184.216.34"})).has_value());
    CHECK_FALSE(check_webhook_url("https://nowhere.invalid/x", false, none).has_value());
    CHECK_FALSE(check_webhook_url("ftp://93.184.216.34/", true, none).has_value());
    // Numeric forms curl would accept go through the system resolver to 127.0.0.1.
    CHECK_FALSE(check_webhook_url("http://2130706433/", false).has_value());
    CHECK_FALSE(check_webhook_url("http://127.1/", false).has_value());
    CHECK(check_webhook_url("http://93.184.216.34/", false).has_value());
}

TEST_CASE("governance: add_webhook refuses a private target with 400 unless allow_private_webhooks") {
    Store s;
    Principal team_admin;
    team_admin.owner = "acme/eng/platform/alice";
    team_admin.grants = {{Role::admin, "acme/eng/platform"}};
    Admin as(*s.db, s.clock, TimeZone::fixed(0, "UTC"), Actor{&team_admin});
    auto refused = as.add_webhook("acme/eng/platform", "http://10.0.0.1/hook", "", "");
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::invalid_argument);
    CHECK(refused.error().message.find("private (10.0.0.0/8)") != std::string::npos);
    CHECK(s.admin().add_webhook("", "http://127.0.0.1:9/hook", "", "").error().code == ErrorCode::invalid_argument);
    Admin allowing(*s.db, s.clock, TimeZone::fixed(0, "UTC"), {}, AdminSettings{.allow_private_webhooks = true});
    CHECK(allowing.add_webhook("", "http://127.0.0.1:9/hook", "", "").has_value());
}

TEST_CASE("governance: delivery refuses a private address at connect time") {
    Store s;
    httplib::Server receiver;
    std::atomic<int> posts{0};
    receiver.Post("/hook", [&](const httplib::Request&, httplib::Response& res) {
        ++posts;
        res.set_content("{}", "application/json");
    });
    int port = receiver.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    std::thread serving([&] { receiver.listen_after_bind(); });
    // Stored as if DNS had pointed elsewhere when it was added.
    REQUIRE(sql::run(*s.db, "INSERT INTO gov_webhooks(scope, url, created_ms) VALUES ('', ?, 0)",
                     "http://127.0.0.1:" + std::to_string(port) + "/hook")
                .has_value());
    {
        auto gate = Gate::open(s.file, s.clock, GateOptions{.deliver_alerts = true});
        REQUIRE(gate.has_value());
        (*gate)->post_event("evt_private_1", "deployment.ejected", "", s.clock.now_ms(), "test", {{"n", 1}});
        std::string error;
        auto deadline = std::chrono::steady_clock::now() + 5s;
        while (error.empty() && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(20ms);
            (void)sql::each(*s.db, "SELECT last_error FROM gov_deliveries WHERE event_id = 'evt_private_1'",
                            [&](const store::Statement& st) { error = st.text(0); });
        }
        CHECK(error.find("refused: 127.0.0.1 is loopback") != std::string::npos);
    }
    CHECK(posts == 0);
    receiver.stop();
    serving.join();
}
