// /health/live and /health/ready for load balancers and systemd; on SIGTERM
// the proxy stops accepting at once (new connections are refused, idle ones
// closed; ready would answer 503) and lets requests in flight finish.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <thread>

#include "e2e/proxy_harness.hpp"

using nlohmann::json;
using proxy_e2e::ProxyFixture;

TEST_CASE("health e2e: live and ready, then a drain that refuses new connections") {
    ProxyFixture fx;
    httplib::Client kept("127.0.0.1", fx.port);
    kept.set_keep_alive(true);
    kept.set_read_timeout(10, 0);
    auto live = kept.Get("/health/live");
    REQUIRE(live);
    CHECK(live->status == 200);
    CHECK(json::parse(live->body)["status"] == "live");
    auto ready = kept.Get("/health/ready");
    REQUIRE(ready);
    CHECK(ready->status == 200);
    CHECK(json::parse(ready->body)["status"] == "ready");

    // A slow answer is in flight when SIGTERM arrives.
    fx.mock.set_behavior("gpt-4o-mini", megarouter::mock::behavior_from_json(R"({"first_byte_delay_ms":1500})").value());
    int in_flight_status = 0;
    std::thread slow([&] {
        auto c = fx.client();
        auto r = c.Post("/v1/chat/completions",
                        R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})", "application/json");
        if (r) in_flight_status = r->status;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    fx.proxy->signal(SIGTERM);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));

    // Idle keep-alive connections are closed, and a new connection is
    // refused at once instead of hanging until the process exits.
    auto closed = kept.Get("/health/ready");
    CHECK((!closed || closed->status == 503));
    httplib::Client fresh("127.0.0.1", fx.port);
    fresh.set_connection_timeout(2, 0);
    fresh.set_read_timeout(2, 0);
    auto began = std::chrono::steady_clock::now();
    auto refused = fresh.Get("/health/live");
    CHECK_FALSE(refused);
    CHECK(std::chrono::steady_clock::now() - began < std::chrono::milliseconds(1500));

    slow.join();
    CHECK(in_flight_status == 200); // finished within the grace period
    auto status = fx.proxy->wait_exit(10'000);
    REQUIRE(status);
    CHECK(*status == 0);
}

