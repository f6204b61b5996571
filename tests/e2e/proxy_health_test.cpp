// /health/live and /health/ready for load balancers and systemd; on SIGTERM
// the proxy stops accepting at once (new connections are refused, idle ones
// closed; ready would answer 503) and lets requests in flight finish.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <thread>

#include <sqlite3.h>

#include "e2e/governance_fixture.hpp"
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


TEST_CASE("health e2e: ready answers 503 while the ledger cannot be written, and 200 once it can") {
    gov_e2e::GovFixture fx;
    fx.hierarchy("acme/eng/platform/alice");
    auto [id, secret] = fx.key("acme/eng/platform/alice");
    fx.start();
    auto client = fx.client();
    auto ready = client.Get("/health/ready");
    REQUIRE(ready);
    CHECK(ready->status == 200);

    // Another process holds the database's write lock: the ledger writer's
    // commits wait out the busy timeout (5 s) and fail; requests still read.
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(fx.db().c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
    auto answered = fx.chat(secret, "gpt-4o-mini");
    REQUIRE(answered);
    CHECK(answered->status == 200);
    std::string body;
    for (int i = 0; i < 200; ++i) { // up to 20 s
        auto r = client.Get("/health/ready");
        REQUIRE(r);
        body = r->body;
        if (r->status == 503) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(body.find("the store cannot be written") != std::string::npos);
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    int status = 0;
    for (int i = 0; i < 200; ++i) { // the writer retries every 20 ms
        auto r = client.Get("/health/ready");
        REQUIRE(r);
        status = r->status;
        if (status == 200) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(status == 200);
    // Nothing was lost: the row waited in memory and is in the ledger now.
    auto spend = fx.cli_json({"spend", "--node", "acme/eng/platform/alice"});
    CAPTURE(spend.dump());
    CHECK(spend.dump().find("\"requests\":1") != std::string::npos);
}
