// End-to-end: the proxy under many concurrent streams, a client that leaves
// mid-stream, SIGHUP reload with the socket kept open, and SIGTERM draining
// a stream in flight before exiting 0.
#include <atomic>
#include <thread>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "e2e/proxy_harness.hpp"
#include "e2e/support.hpp"

using nlohmann::json;
using proxy_e2e::ProxyFixture;

namespace {

std::string stream_body(const std::string& model) {
    return json{{"model", model}, {"stream", true}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}}.dump();
}

// Whether the proxy's log shows `text` within 5 s.
bool log_shows(const ProxyFixture& fx, const std::string& text) {
    for (int i = 0; i < 50; ++i) {
        if (fx.log().find(text) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

int threads_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("Threads:", 0) == 0) return std::atoi(line.c_str() + 8);
    return 0;
}

} // namespace

TEST_CASE("proxy e2e: 200 concurrent streams all complete and the threads go away afterwards") {
    ProxyFixture fx;
    megarouter::mock::Behavior slow;
    slow.chunks = 10;
    slow.chunk_delay_ms = 50;
    fx.mock.set_behavior("gpt-4o-mini", slow);
    long baseline = proxy_e2e::rss_kib(fx.proxy->pid());
    std::atomic<int> complete{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < 200; ++i)
        clients.emplace_back([&] {
            auto client = fx.client(30);
            auto r = client.Post("/v1/chat/completions", stream_body("gpt-4o-mini"), "application/json");
            if (r && r->status == 200 && r->body.find("[DONE]") != std::string::npos) ++complete;
        });
    for (auto& t : clients) t.join();
    CHECK(complete == 200);
    auto health = fx.client().Get("/health");
    REQUIRE(health);
    CHECK(health->status == 200);
    // Idle threads exit after 5 s; memory is trimmed when the pools empty.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (threads_of(fx.proxy->pid()) > 8 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(threads_of(fx.proxy->pid()) <= 8);
    long after = proxy_e2e::rss_kib(fx.proxy->pid());
    MESSAGE("RSS baseline " << baseline << " KiB, after 200 streams " << after << " KiB");
#ifdef __SANITIZE_ADDRESS__
    MESSAGE("RSS not compared under AddressSanitizer: its quarantine keeps freed memory");
#else
    CHECK(after < baseline + 30 * 1024);
#endif
}

TEST_CASE("proxy e2e: a client that leaves mid-stream cancels the upstream and is still logged") {
    ProxyFixture fx;
    megarouter::mock::Behavior slow;
    slow.chunks = 100;
    slow.chunk_delay_ms = 100; // 10 s if nobody cancels
    fx.mock.set_behavior("gpt-4o-mini", slow);
    {
        httplib::Client client("127.0.0.1", fx.port);
        int received = 0;
        httplib::Request request;
        request.method = "POST";
        request.path = "/v1/chat/completions";
        request.body = stream_body("gpt-4o-mini");
        request.set_header("Content-Type", "application/json");
        request.content_receiver = [&](const char*, size_t, uint64_t, uint64_t) { return ++received < 3; };
        client.send(request); // stops reading after 3 pieces: the connection closes
        CHECK(received >= 1);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(6);
    std::string log;
    while (std::chrono::steady_clock::now() < deadline) {
        log = fx.access_log();
        if (log.find("cancelled") != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK_MESSAGE(log.find("\"error\":\"cancelled\"") != std::string::npos, log);
    auto line = json::parse(log.substr(0, log.find('\n')));
    CHECK(line["latency_ms"].get<int>() < 5000); // ended long before the 10 s stream would have
    CHECK(line["input_tokens"].get<int>() > 0);  // metered anyway
    auto health = fx.client().Get("/health");
    REQUIRE(health);
    CHECK(health->status == 200);
}

TEST_CASE("proxy e2e: a reload lowers the body limit at once and names what needs a restart") {
    ProxyFixture fx;
    auto client = fx.client();
    std::string big = json{{"model", "gpt-4o-mini"},
                           {"messages", {{{"role", "user"}, {"content", std::string(5000, 'a')}}}}}.dump();
    auto before = client.Post("/v1/chat/completions", big, "application/json");
    REQUIRE(before);
    CHECK(before->status == 200);

    std::string config = proxy_e2e::read_text(fx.home / "config.toml");
    config.replace(config.find("[server]\n"), 9, "[server]\nmax_body_bytes = 2000\nport = 4999\n");
    std::ofstream(fx.home / "config.toml", std::ios::trunc) << config;
    fx.proxy->signal(SIGHUP);
    REQUIRE(log_shows(fx, "configuration reloaded"));
    CHECK(fx.log().find("[server] port changed: takes effect at restart") == std::string::npos); // --port 0 was given
    auto after = fx.client().Post("/v1/chat/completions", big, "application/json");
    REQUIRE(after);
    CHECK(after->status == 413);
    CHECK(json::parse(after->body)["error"]["message"].get<std::string>().find("larger than the configured limit") !=
          std::string::npos);
    auto small = fx.client().Post("/v1/chat/completions",
                                  json{{"model", "gpt-4o-mini"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}}.dump(),
                                  "application/json");
    REQUIRE(small);
    CHECK(small->status == 200);

    config.replace(config.find("max_body_bytes = 2000"), 21, "max_body_bytes = 999999999999");
    std::ofstream(fx.home / "config.toml", std::ios::trunc) << config;
    fx.proxy->signal(SIGHUP);
    CHECK_MESSAGE(log_shows(fx, "max_body_bytes (raised above the start-up value) changed: takes effect at restart"),
                  fx.log());
}

TEST_CASE("proxy e2e: SIGHUP reloads without closing the socket; SIGTERM drains a stream and exits 0") {
    ProxyFixture fx;
    auto client = fx.client();
    std::ofstream(fx.home / "config.toml", std::ios::app) << "[aliases]\nteam-fast = \"gpt-4o-mini\"\n";
    fx.proxy->signal(SIGHUP);
    CHECK(log_shows(fx, "configuration reloaded"));
    auto aliased = client.Post("/v1/chat/completions",
                               json{{"model", "team-fast"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}}.dump(),
                               "application/json");
    REQUIRE(aliased);
    CHECK(aliased->status == 200);
    CHECK(aliased->get_header_value("x-megarouter-model") == "gpt-4o-mini");

    megarouter::mock::Behavior slow;
    slow.chunks = 10;
    slow.chunk_delay_ms = 100;
    fx.mock.set_behavior("gpt-4o", slow);
    std::string body;
    std::thread streaming([&] {
        auto c = fx.client();
        auto r = c.Post("/v1/chat/completions", stream_body("gpt-4o"), "application/json");
        if (r) body = r->body;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    fx.proxy->signal(SIGTERM);
    auto status = fx.proxy->wait_exit(10'000);
    streaming.join();
    REQUIRE(status);
    CHECK(*status == 0);
    CHECK(body.find("[DONE]") != std::string::npos); // finished within the grace period
}

TEST_CASE("proxy e2e: a second proxy on the same database is refused; the lock goes with a killed proxy") {
    ProxyFixture fx;
    std::map<std::string, std::string> env{{"MEGAROUTER_HOME", fx.home.string()}};
    auto second = megarouter::e2e::run_megarouter({"serve", "--port", "0"}, env, "", std::chrono::seconds(10));
    CHECK(second.exit_code == 69); // unavailable: the database is taken
    CHECK(second.err.find("another megarouter serve (pid " + std::to_string(fx.proxy->pid()) + ")") != std::string::npos);
    CHECK(second.err.find("one proxy per database file") != std::string::npos);
    // --no-governance keeps no budgets or counters: it may share the file.
    auto open = megarouter::e2e::run_megarouter({"serve", "--port", "0", "--no-governance"}, env, "",
                                                std::chrono::milliseconds(1500));
    CHECK(open.exit_code == -1); // still serving when the time limit killed it
    fx.proxy->signal(SIGKILL);
    fx.proxy->wait_exit(5'000);
    fx.start(); // throws if the lock were still held
    auto health = fx.client().Get("/health");
    REQUIRE(health);
    CHECK(health->status == 200);
}
