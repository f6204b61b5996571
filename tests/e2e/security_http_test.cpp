// Adversarial end-to-end tests of the HTTP layer against the real binary
// (`megarouter serve` in front of the mock provider), over raw sockets: long
// paths on pattern routes, request smuggling shapes, bad header bytes, a
// missing Host, a slowloris head, the connection cap, and the descriptor
// limit. After each attack /health must still answer.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/resource.h>

#include "e2e/http_server_fixture.hpp"
#include "e2e/proxy_harness.hpp"
#include "megarouter/http/request_head.hpp"

using proxy_e2e::ProxyFixture;
using http_server_test::Raw;
using http_server_test::RawResponse;
using namespace std::chrono_literals;

namespace {

std::string request(const std::string& method, const std::string& path, const std::string& extra = "") {
    return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

// One request on a new connection; the answer, if any.
std::optional<RawResponse> ask(int port, const std::string& bytes) {
    Raw raw(port);
    if (!raw.send(bytes)) return std::nullopt;
    return raw.read_response();
}

// /health answers 200 on a new connection and the process is alive.
// Whether /health answers 200 again within `tries` attempts 20 ms apart
// (connections held against a limit were just released).
bool serves_again(int port, int tries) {
    for (int i = 0; i < tries; ++i) {
        auto answer = ask(port, request("GET", "/health"));
        if (answer && answer->status == 200) return true;
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

void check_alive(ProxyFixture& fx) {
    CHECK_FALSE(fx.proxy->wait_exit(0));
    auto health = ask(fx.port, request("GET", "/health"));
    REQUIRE_MESSAGE(health, fx.log());
    CHECK(health->status == 200);
}

// CPU seconds (user + system) the process has used, from /proc/<pid>/stat.
double cpu_seconds(pid_t pid) {
    std::string stat = proxy_e2e::read_text("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; fields >> field; ++i) { // field 3 is the state
        if (i == 14) utime = std::stoull(field);
        if (i == 15) {
            stime = std::stoull(field);
            break;
        }
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Restarts the fixture's proxy with RLIMIT_NOFILE set to `fds` (soft and
// hard) in the child before exec.
void restart_with_fd_limit(ProxyFixture& fx, rlim_t fds) {
    fx.proxy.reset();
    std::filesystem::remove(fx.home / "port");
    std::vector<std::string> argv{MEGAROUTER_BIN, "serve", "--port", "0", "--port-file", (fx.home / "port").string(),
                                  "--access-log", "off", "--grace", "1"};
    std::vector<std::string> env{"MEGAROUTER_HOME=" + fx.home.string(), "PATH=/usr/bin:/bin", "HOME=" + fx.home.string()};
    fx.proxy = std::make_unique<proxy_e2e::Child>(argv, env, (fx.home / "serve.log").string(), [fds] {
        rlimit limit{fds, fds};
        ::setrlimit(RLIMIT_NOFILE, &limit);
    });
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        std::string text = proxy_e2e::read_text(fx.home / "port");
        if (!text.empty()) {
            fx.port = std::atoi(text.c_str());
            return;
        }
        std::this_thread::sleep_for(20ms);
    }
    FAIL("megarouter serve did not start under the fd limit: " << fx.log());
}

} // namespace

TEST_CASE("security e2e: long paths on pattern routes get an answer, never a crash") {
    ProxyFixture fx;
    const std::vector<std::pair<std::string, std::string>> routes = {
        {"GET", "/v1/models/{}"},        {"GET", "/models/{}"},           {"GET", "/admin/keys/{}"},
        {"POST", "/admin/keys/{}/revoke"}, {"POST", "/admin/keys/{}/rotate"}, {"GET", "/admin/budgets/{}"},
        {"DELETE", "/admin/webhooks/{}"}, {"GET", "/admin/pools/{}"},     {"POST", "/admin/pools/{}/members"},
        {"GET", "/admin/alerts/{}"},      {"POST", "/admin/alerts/{}/retry"}, {"GET", "/ui/{}.js"},
        {"GET", "/v1/models/{}/{}"},     {"GET", "/{}"},
    };
    for (const auto& [method, pattern] : routes) {
        for (std::size_t length : {std::size_t{2'000}, std::size_t{7'000}, std::size_t{200'000}}) {
            std::string path = pattern;
            for (auto at = path.find("{}"); at != std::string::npos; at = path.find("{}"))
                path.replace(at, 2, std::string(length, 'a'));
            CAPTURE(method);
            CAPTURE(pattern);
            CAPTURE(length);
            auto answer = ask(fx.port, request(method, path, method == "GET" || method == "DELETE" ? "" : "Content-Length: 0\r\n"));
            REQUIRE_MESSAGE(answer, fx.log());
            if (path.size() > megarouter::http::k_max_target_bytes) {
                CHECK(answer->status == 414);
                CHECK(answer->body.find("longer than") != std::string::npos); // the API's error shape
            } else {
                CHECK(answer->status >= 200);
                CHECK(answer->status < 500);
            }
        }
        check_alive(fx);
    }
    // A slash-heavy path too (one segment per character pair).
    std::string slashes;
    for (int i = 0; i < 3'000; ++i) slashes += "a/";
    auto answer = ask(fx.port, request("GET", "/v1/models/" + slashes));
    REQUIRE(answer);
    CHECK((answer->status == 404 || answer->status == 400)); // unknown, or a model name over 256 bytes
    check_alive(fx);
}

TEST_CASE("security e2e: ambiguous framing and bad header bytes get 400 and the connection closes") {
    ProxyFixture fx;
    const std::string body = R"({"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"hi"}]})";
    const std::string chunked_body = [&] {
        char size[16];
        std::snprintf(size, sizeof size, "%zx", body.size());
        return std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n";
    }();
    const std::string smuggled = "GET /admin/keys HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    struct Case {
        const char* what;
        std::string bytes;
    };
    const std::vector<Case> cases = {
        {"Content-Length with Transfer-Encoding",
         "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(chunked_body.size()) +
             "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked_body + smuggled},
        {"Transfer-Encoding on HTTP/1.0",
         "POST /v1/messages HTTP/1.0\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked_body},
        {"Transfer-Encoding twice",
         "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" +
             chunked_body},
        {"a repeated coding", "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n" +
                                  chunked_body},
        {"an unknown coding", "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" +
                                  chunked_body},
        {"two lengths", "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(body.size()) +
                            "\r\nContent-Length: 3\r\n\r\n" + body},
        {"a bare LF in a forwarded header",
         "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nanthropic-version: 2023-06-01\nX-Smuggled: 1\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body},
        {"a bare CR", "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nanthropic-beta: a\rb\r\n\r\n"},
        {"NUL in a value", std::string("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a") + '\0' + "b\r\n\r\n"},
        {"a control character", "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: \x1b[2J\r\n\r\n"},
        {"DEL in a value", "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\x7f\r\n\r\n"},
        {"a name that is not a token", "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX A: b\r\n\r\n"},
        {"no Host on HTTP/1.1", "GET /v1/models HTTP/1.1\r\n\r\n"},
        {"two Hosts", "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n"},
        {"a control character in the target", "GET /v1/models\x01 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.what);
        Raw raw(fx.port);
        REQUIRE(raw.send(c.bytes));
        auto answer = raw.read_response();
        REQUIRE(answer);
        CHECK(answer->status == 400);
        CHECK(answer->body.find("malformed HTTP request") != std::string::npos);
        CHECK(raw.peer_closed()); // nothing after the refused head is read as a request
        check_alive(fx);
    }
    // The framing that is fine still works, on one connection.
    Raw raw(fx.port);
    REQUIRE(raw.send("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked_body));
    auto fine = raw.read_response();
    REQUIRE(fine);
    CHECK(fine->status == 200);
}

TEST_CASE("security e2e: a head dribbled one byte at a time gets 408 at head_timeout_s") {
    ProxyFixture fx("", {}, "head_timeout_s = 1\n");
    Raw slow(fx.port);
    const std::string head = request("GET", "/v1/models", "X-Pad: " + std::string(40, 'p') + "\r\n");
    auto start = std::chrono::steady_clock::now();
    auto elapsed_ms = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    };
    bool answered = false;
    for (std::size_t i = 0; i + 2 < head.size() && elapsed_ms() < 5000 && !answered; ++i) {
        if (!slow.send(head.substr(i, 1))) break;
        answered = !slow.read_available(150).empty();
        if (i == 3) { // meanwhile the gateway serves others
            auto health = ask(fx.port, request("GET", "/health"));
            REQUIRE(health);
            CHECK(health->status == 200);
        }
    }
    auto answer = slow.read_response();
    REQUIRE(answer);
    CHECK(answer->status == 408);
    CHECK(elapsed_ms() >= 900);
    CHECK(elapsed_ms() < 3000);
    CHECK(slow.peer_closed());
    check_alive(fx);
}

TEST_CASE("security e2e: connections beyond max_connections get a fast 503 and the gateway keeps serving") {
    ProxyFixture fx("", {}, "max_connections = 4\n");
    std::vector<std::unique_ptr<Raw>> held;
    for (int i = 0; i < 4; ++i) {
        held.push_back(std::make_unique<Raw>(fx.port));
        REQUIRE(held.back()->send(request("GET", "/health")));
        REQUIRE(held.back()->read_response());
    }
    for (int i = 0; i < 10; ++i) {
        auto answer = ask(fx.port, request("GET", "/health"));
        REQUIRE(answer);
        CHECK(answer->status == 503);
    }
    held.clear();
    CHECK(serves_again(fx.port, 100));
}

TEST_CASE("security e2e: at the descriptor limit the gateway neither spins nor stops serving") {
    ProxyFixture fx("", {}, "max_connections = 100000\nthreads = 2\n");
    restart_with_fd_limit(fx, 128);
    check_alive(fx);
    // Far more connections than descriptors: accept() fails with EMFILE and the
    // rest wait in the backlog.
    std::vector<std::unique_ptr<Raw>> held;
    for (int i = 0; i < 200; ++i) {
        held.push_back(std::make_unique<Raw>(fx.port));
        held.back()->send(request("GET", "/health"));
    }
    std::this_thread::sleep_for(300ms);
    double before = cpu_seconds(fx.proxy->pid());
    std::this_thread::sleep_for(2s);
    double used = cpu_seconds(fx.proxy->pid()) - before;
    CHECK(used >= 0);
    CHECK(used < 0.5); // a spinning accept loop burns ~2 s here
    CHECK(fx.log().find("out of file descriptors") != std::string::npos);
    held.clear();
    CHECK(serves_again(fx.port, 150));
    check_alive(fx);
}

TEST_CASE("security e2e: max_connections = 0 is sized from the descriptor limit, with 503 beyond it") {
    ProxyFixture fx;
    restart_with_fd_limit(fx, 128); // (128 - 64) / 2 = 32 connections
    std::vector<std::unique_ptr<Raw>> held;
    int ok = 0, busy = 0;
    for (int i = 0; i < 60; ++i) {
        held.push_back(std::make_unique<Raw>(fx.port));
        REQUIRE(held.back()->send(request("GET", "/health")));
        auto answer = held.back()->read_response();
        if (answer && answer->status == 200) ++ok;
        if (answer && answer->status == 503) ++busy;
    }
    CHECK(ok == 32);
    CHECK(busy == 28);
    CHECK(fx.log().find("out of file descriptors") == std::string::npos); // the cap kept accept() inside the limit
    held.clear();
    CHECK(serves_again(fx.port, 100));
}
