// Adversarial end-to-end tests of the proxy's front door and of what it
// forwards upstream (issue 13, items 4 and 10), against the real binary:
// - header values that would smuggle a header or a request never reach a
//   plain-http upstream, on the native path and through libcurl; a tiny
//   raw-socket upstream records exactly the bytes it receives;
// - on loopback only loopback Host names (and [server] allowed_hosts) are
//   answered (DNS rebinding);
// - cross-origin browser requests are refused unless the origin is in
//   [server] cors_origins, which also gets CORS answers and preflights;
// - non-JSON bodies get 415 and spend nothing.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>

#include <atomic>
#include <mutex>
#include <regex>
#include <thread>

#include "e2e/governance_fixture.hpp"

using namespace gov_e2e;

namespace {

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
    return count;
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// An upstream on 127.0.0.1 that records every byte it receives and answers
// each request (Content-Length framed) with a fixed Anthropic or OpenAI
// answer, keeping the connection open. One thread per connection; every
// wait is bounded and ends when the upstream is destroyed.
class RecordingUpstream {
public:
    RecordingUpstream() {
        int fds[2];
        REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
        m_stop_read = fds[0];
        m_stop_write = fds[1];
        m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(m_listen, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(m_listen, 16) == 0);
        socklen_t length = sizeof address;
        ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&address), &length);
        m_port = ntohs(address.sin_port);
        m_acceptor = std::thread([this] { accept_loop(); });
    }
    ~RecordingUpstream() {
        char byte = 1;
        [[maybe_unused]] auto ignored = ::write(m_stop_write, &byte, 1);
        m_acceptor.join();
        for (auto& worker : m_workers) worker.join();
        ::close(m_listen);
        ::close(m_stop_read);
        ::close(m_stop_write);
    }

    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
    std::string bytes() const {
        std::lock_guard lock(m_mutex);
        return m_bytes;
    }
    // Request lines seen ("POST /v1/messages HTTP/1.1" and the like), whatever header they hide in.
    std::size_t request_lines() const {
        static const std::regex line("(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) [^ \r\n]+ HTTP/1\\.[01]");
        std::string all = bytes();
        return static_cast<std::size_t>(std::distance(std::sregex_iterator(all.begin(), all.end(), line), std::sregex_iterator()));
    }

private:
    bool wait_readable(int fd, std::int64_t deadline_ms) const {
        for (;;) {
            std::int64_t left = deadline_ms - now_ms();
            if (left <= 0) return false;
            pollfd p[2] = {{fd, POLLIN, 0}, {m_stop_read, POLLIN, 0}};
            int rc = ::poll(p, 2, static_cast<int>(left));
            if (rc < 0 && errno == EINTR) continue;
            return rc > 0 && !p[1].revents;
        }
    }
    void accept_loop() {
        std::int64_t deadline = now_ms() + 120'000;
        while (wait_readable(m_listen, deadline)) {
            int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd >= 0) m_workers.emplace_back([this, fd] { serve(fd); });
        }
    }
    void serve(int fd) {
        std::string in;
        std::int64_t deadline = now_ms() + 120'000;
        for (;;) {
            auto end = in.find("\r\n\r\n");
            if (end != std::string::npos) {
                std::smatch length;
                std::string head = in.substr(0, end);
                std::size_t body = std::regex_search(head, length, std::regex("\r\n[Cc]ontent-[Ll]ength: *([0-9]+)"))
                                       ? std::stoul(length[1])
                                       : 0;
                if (in.size() >= end + 4 + body) {
                    bool anthropic = head.find(" /v1/messages") != std::string::npos;
                    std::string answer =
                        anthropic ? R"({"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":7,"output_tokens":1}})"
                                  : R"({"id":"c1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":1,"total_tokens":8}})";
                    std::string out = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                                      std::to_string(answer.size()) + "\r\n\r\n" + answer;
                    in.erase(0, end + 4 + body);
                    if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) break;
                    continue;
                }
            }
            if (!wait_readable(fd, deadline)) break;
            char buffer[8192];
            ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0) break;
            in.append(buffer, static_cast<std::size_t>(n));
            std::lock_guard lock(m_mutex);
            m_bytes.append(buffer, static_cast<std::size_t>(n));
        }
        ::close(fd);
    }

    int m_listen = -1, m_stop_read = -1, m_stop_write = -1, m_port = 0;
    std::thread m_acceptor;
    std::vector<std::thread> m_workers; // touched by the acceptor thread only, until it is joined
    mutable std::mutex m_mutex;
    std::string m_bytes;
};

// Sends `bytes` to the proxy on a fresh connection and returns what came
// back before the proxy closed or `limit_ms` passed.
std::string raw_exchange(int port, const std::string& bytes, int limit_ms = 5000) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
    std::string out;
    std::int64_t deadline = now_ms() + limit_ms;
    for (;;) {
        std::int64_t left = deadline - now_ms();
        pollfd p{fd, POLLIN, 0};
        if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) break;
        char buffer[4096];
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        out.append(buffer, static_cast<std::size_t>(n));
        // One answer is enough (Content-Length framed, as the proxy's errors are).
        auto end = out.find("\r\n\r\n");
        std::smatch length;
        std::string head = end == std::string::npos ? "" : out.substr(0, end);
        if (end != std::string::npos && std::regex_search(head, length, std::regex("[Cc]ontent-[Ll]ength: *([0-9]+)")) &&
            out.size() >= end + 4 + std::stoul(length[1]))
            break;
    }
    ::close(fd);
    return out;
}

int status_of(const std::string& answer) {
    return answer.rfind("HTTP/1.1 ", 0) == 0 ? std::atoi(answer.c_str() + 9) : -1;
}

std::string messages_body() {
    return json{{"model", "claude-haiku-4-5"}, {"max_tokens", 16},
                {"messages", {{{"role", "user"}, {"content", "Say ok."}}}}}.dump();
}

// A POST /v1/messages head whose anthropic headers are given as raw bytes.
std::string raw_messages(const std::string& raw_header_lines) {
    std::string body = messages_body();
    return "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + raw_header_lines +
           "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

bool log_shows(const GovFixture& fx, const std::string& text) {
    for (int i = 0; i < 50; ++i) {
        if (read_text(fx.home / "serve.log").find(text) != std::string::npos) return true;
        std::this_thread::sleep_for(100ms);
    }
    return false;
}

// Edits the [server] table of the fixture's config and reloads the proxy.
void reload_server_settings(GovFixture& fx, const std::string& lines) {
    std::string config = read_text(fx.home / "config.toml");
    config.replace(config.find("[server]\n"), 9, "[server]\n" + lines + "\n");
    std::ofstream(fx.home / "config.toml", std::ios::trunc) << config;
    auto before = count_of(read_text(fx.home / "serve.log"), "configuration reloaded");
    fx.proxy->signal(SIGHUP);
    for (int i = 0; i < 50 && count_of(read_text(fx.home / "serve.log"), "configuration reloaded") == before; ++i)
        std::this_thread::sleep_for(100ms);
    REQUIRE_MESSAGE(count_of(read_text(fx.home / "serve.log"), "configuration reloaded") > before,
                    read_text(fx.home / "serve.log"));
}

httplib::Headers with_host(const std::string& host, httplib::Headers more = {}) {
    more.emplace("Host", host);
    return more;
}

std::string message_of(const httplib::Result& r) {
    if (!r) return "";
    auto body = json::parse(r->body, nullptr, false);
    return body.is_object() && body.contains("error") ? body["error"].value("message", "") : "";
}

} // namespace

TEST_CASE("security front e2e: values that would smuggle headers never reach a plain-http upstream, on both paths") {
    for (const std::string path : {"native", "curl"}) {
        CAPTURE(path);
        RecordingUpstream upstream;
        GovFixture fx;
        // Both providers point at the recorder; the OpenAI key from the config carries a line break.
        std::ofstream(fx.home / "config.toml", std::ios::trunc)
            << "[server]\nrequest_timeout_s = 20\nconnect_timeout_s = 2\n\n"
            << "[database]\npath = \"" << fx.db().string() << "\"\n\n"
            << "[providers.anthropic]\nbase_url = \"" << upstream.base_url() << "\"\napi_key = \"mock-anthropic\"\n\n"
            << "[providers.openai]\nbase_url = \"" << upstream.base_url() << "/v1\"\n"
            << "api_key = \"sk-test\\nX-Injected: yes\"\n";
        fx.start(path == "curl" ? std::vector<std::string>{"MEGAROUTER_UPSTREAM=curl"}
                                             : std::vector<std::string>{});

        // The recorder works: a clean request arrives once, its beta header intact.
        auto clean = fx.client().Post("/v1/messages", {{"anthropic-version", "2023-06-01"}, {"anthropic-beta", "b1"}},
                                      messages_body(), "application/json");
        REQUIRE_MESSAGE(clean, body_of(clean));
        REQUIRE_MESSAGE(clean->status == 200, clean->body);
        CHECK(upstream.request_lines() == 1);
        CHECK(count_of(upstream.bytes(), "anthropic-beta: b1\r\n") == 1);

        // Bare LF, bare CR and NUL inside forwarded header values.
        for (std::string lines : {std::string("anthropic-version: 2023-06-01\nX-Smuggled: y\r\n"),
                                  std::string("anthropic-version: 2023-06-01\r\nanthropic-beta: b1\rX-Smuggled: y\r\n"),
                                  std::string("anthropic-version: 2023-06-01\nDELETE /v1/files HTTP/1.1\r\n"),
                                  std::string("anthropic-version: 2023-06-01\r\nanthropic-beta: b1") + std::string(1, '\0') +
                                      "X-Smuggled: y\r\n"}) {
            std::string answer = raw_messages(lines);
            std::string reply = raw_exchange(fx.port, answer);
            CHECK_MESSAGE(status_of(reply) == 400, reply);
        }

        // A config value with a line break: refused where the upstream request is written.
        auto injected = fx.client().Post("/v1/chat/completions",
                                         json{{"model", "gpt-4o-mini"}, {"max_tokens", 8},
                                              {"messages", {{{"role", "user"}, {"content", "hi"}}}}}.dump(),
                                         "application/json");
        REQUIRE(injected);
        CHECK_MESSAGE(injected->status == 400, injected->body);
        CHECK(message_of(injected).find("Authorization") != std::string::npos);
        CHECK(message_of(injected).find("X-Injected") == std::string::npos);
        CHECK(injected->get_header_value("x-megarouter-attempts") == "1"); // not retried elsewhere
        CHECK(injected->get_header_value("x-should-retry") == "false");

        // And the connection the proxy keeps to the upstream is still in step.
        auto again = fx.client().Post("/v1/messages", {{"anthropic-version", "2023-06-01"}}, messages_body(),
                                      "application/json");
        REQUIRE(again);
        CHECK(again->status == 200);

        std::string seen = upstream.bytes();
        CHECK(upstream.request_lines() == 2);
        CHECK(seen.find("X-Smuggled") == std::string::npos);
        CHECK(seen.find("X-Injected") == std::string::npos);
        CHECK(seen.find("DELETE") == std::string::npos);
        CHECK(seen.find('\0') == std::string::npos);
        CHECK(count_of(seen, "\r\n\r\n") == 2); // two heads, nothing else that ends one
    }
}

TEST_CASE("security front e2e: on loopback only loopback Host names and allowed_hosts are answered") {
    GovFixture fx;
    fx.start();
    std::string port = std::to_string(fx.port);
    for (const std::string& host : std::vector<std::string>{"evil.example", "evil.example:" + port, "127.0.0.1.evil.example:" + port}) {
        auto health = fx.client().Get("/health", with_host(host));
        REQUIRE(health);
        CHECK_MESSAGE(health->status == 421, host);
        CHECK(health->body.find("allowed_hosts") != std::string::npos);
        auto chat = fx.client().Post("/v1/chat/completions", with_host(host), messages_body(), "application/json");
        REQUIRE(chat);
        CHECK(chat->status == 421);
        auto keys = fx.client().Get("/admin/keys", with_host(host));
        REQUIRE(keys);
        CHECK(keys->status == 421);
        auto ui = fx.client().Get("/ui/", with_host(host));
        REQUIRE(ui);
        CHECK(ui->status == 421);
    }
    CHECK(fx.mock.requests().empty());
    for (const std::string& host : std::vector<std::string>{"localhost:" + port, "LOCALHOST:" + port, "127.0.0.1:" + port, "[::1]:" + port,
                                   "localhost", "127.0.0.1"}) {
        auto health = fx.client().Get("/health", with_host(host));
        REQUIRE(health);
        CHECK_MESSAGE(health->status == 200, host);
    }
    auto before = fx.client().Get("/health", with_host("gateway.test:" + port));
    REQUIRE(before);
    CHECK(before->status == 421);
    reload_server_settings(fx, "allowed_hosts = [\"gateway.test\"]");
    auto after = fx.client().Get("/health", with_host("gateway.test:" + port));
    REQUIRE(after);
    CHECK(after->status == 200);
    auto still = fx.client().Get("/health", with_host("evil.example"));
    REQUIRE(still);
    CHECK(still->status == 421);
}

TEST_CASE("security front e2e: cross-origin browser requests are refused; configured origins get CORS") {
    GovFixture fx;
    fx.start();
    httplib::Headers evil{{"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "cross-site"}};
    auto chat = fx.client().Post("/v1/chat/completions", evil,
                                 json{{"model", "gpt-4o-mini"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}}.dump(),
                                 "application/json");
    REQUIRE(chat);
    CHECK(chat->status == 403);
    CHECK(message_of(chat).find("cors_origins") != std::string::npos);
    CHECK(chat->get_header_value("Access-Control-Allow-Origin").empty());
    auto messages = fx.client().Post("/v1/messages", evil, messages_body(), "application/json");
    REQUIRE(messages);
    CHECK(messages->status == 403);
    auto keys = fx.client().Get("/admin/keys", evil);
    REQUIRE(keys);
    CHECK(keys->status == 403);
    CHECK(message_of(keys).find("cors_origins") != std::string::npos);
    auto mint = fx.client().Post("/admin/keys", evil, R"({"owner":"a/b/c/d"})", "application/json");
    REQUIRE(mint);
    CHECK(mint->status == 403);
    auto no_cors = fx.client().Get("/v1/models", {{"Sec-Fetch-Site", "cross-site"}});
    REQUIRE(no_cors);
    CHECK(no_cors->status == 403);
    auto preflight = fx.client().Options("/v1/chat/completions",
                                         {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
    REQUIRE(preflight);
    CHECK(preflight->status == 403);
    CHECK(fx.mock.requests().empty());

    // The dashboard keeps working: its page, and its same-origin calls to /admin/spend.
    std::string own = "http://127.0.0.1:" + std::to_string(fx.port);
    auto page = fx.client().Get("/ui/", {{"Sec-Fetch-Site", "same-origin"}});
    REQUIRE(page);
    CHECK(page->status == 200);
    auto spend = fx.client().Get("/admin/spend", {{"Origin", own}, {"Sec-Fetch-Site", "same-origin"}});
    REQUIRE(spend);
    CHECK(message_of(spend).find("cors_origins") == std::string::npos);
    CHECK(spend->status != 421);

    reload_server_settings(fx, "cors_origins = [\"http://localhost:5173\"]");
    httplib::Headers app{{"Origin", "http://localhost:5173"}, {"Sec-Fetch-Site", "same-site"}};
    auto allowed_preflight = fx.client().Options(
        "/v1/chat/completions", {{"Origin", "http://localhost:5173"}, {"Access-Control-Request-Method", "POST"},
                                 {"Access-Control-Request-Headers", "authorization, content-type"}});
    REQUIRE(allowed_preflight);
    CHECK(allowed_preflight->status == 204);
    CHECK(allowed_preflight->get_header_value("Access-Control-Allow-Origin") == "http://localhost:5173");
    CHECK(allowed_preflight->get_header_value("Access-Control-Allow-Headers") == "authorization, content-type");
    auto allowed = fx.client().Post("/v1/chat/completions", app,
                                    json{{"model", "gpt-4o-mini"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}}.dump(),
                                    "application/json");
    REQUIRE(allowed);
    CHECK_MESSAGE(allowed->status == 200, allowed->body);
    CHECK(allowed->get_header_value("Access-Control-Allow-Origin") == "http://localhost:5173");
    CHECK(allowed->get_header_value("Access-Control-Expose-Headers").find("x-megarouter-cost-usd") != std::string::npos);
    auto still_evil = fx.client().Post("/v1/chat/completions", evil, messages_body(), "application/json");
    REQUIRE(still_evil);
    CHECK(still_evil->status == 403);
}

TEST_CASE("security front e2e: a body that is not JSON gets 415 and spends nothing") {
    GovFixture fx;
    fx.start();
    std::string body = json{{"model", "gpt-4o-mini"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}}.dump();
    for (const char* type : {"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                             "multipart/form-data; boundary=x"}) {
        for (const char* path : {"/v1/chat/completions", "/v1/messages", "/v1/responses", "/v1/embeddings"}) {
            auto r = fx.client().Post(path, body, type);
            REQUIRE(r);
            CHECK_MESSAGE(r->status == 415, path, " ", type);
        }
    }
    auto admin = fx.client().Post("/admin/keys", R"({"owner":"a/b/c/d"})", "text/plain");
    REQUIRE(admin);
    CHECK(admin->status == 415);
    CHECK(fx.mock.requests().empty()); // no upstream call

    // A real client's request still goes through, and is the only one in the ledger.
    auto ok = fx.chat("", "gpt-4o-mini");
    REQUIRE_MESSAGE(ok, body_of(ok));
    CHECK(ok->status == 200);
    // A tool that sends no Content-Type at all (python requests' data=) is not a browser: accepted.
    auto untyped = raw_exchange(fx.port, "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                                             std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    CHECK_MESSAGE(status_of(untyped) == 200, untyped);
    fx.stop();
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM ledger") == 2);
    CHECK(scalar(fx.db(), "SELECT COUNT(*) FROM ledger WHERE status <> 200") == 0);
}
