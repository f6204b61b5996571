// End-to-end: megarouter's own HTTP/1.1 server (http::Server on io::Loop)
// in-process on 127.0.0.1 port 0, driven by httplib::Client and by raw
// sockets for what a well-behaved client never does (pipelining, garbage,
// 100-continue, oversized heads, clients that stall).
//
// Every wait is bounded: raw sockets have 5 s receive timeouts, and the
// server's run() thread is stopped and joined by a guard that gives up
// (and fails) rather than hang when run() does not return.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include "megarouter/core/clock.hpp"
#include "megarouter/http/router.hpp"
#include "megarouter/http/server.hpp"
#include "megarouter/io/loop.hpp"

using namespace megarouter;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

namespace {

long long ms_since(SteadyClock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count();
}

// Waits up to `limit` for `condition`.
template <typename F>
bool eventually(F condition, std::chrono::milliseconds limit = 5s) {
    auto deadline = SteadyClock::now() + limit;
    while (!condition()) {
        if (SteadyClock::now() >= deadline) return false;
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

// The error bodies the server makes itself (400, 404, 413, 431, 500).
void error_body(const httplib::Request& request, httplib::Response& response) {
    response.set_content("error " + std::to_string(response.status) + " at [" + request.path + "]", "text/plain");
    response.set_header("X-Error-Body", "yes");
}

http::Limits test_limits() {
    http::Limits limits;
    limits.read_timeout_ms = 5'000;
    limits.write_timeout_ms = 5'000;
    limits.keep_alive_ms = 30'000; // longer than any test: stop() must close idle connections itself
    return limits;
}

// An http::Server on 127.0.0.1, port 0, run() on a thread of its own.
class TestServer {
public:
    explicit TestServer(http::Router router, int threads = 1, http::Limits limits = test_limits())
        : m_limits(std::make_shared<Shared>()) {
        m_limits->limits = limits;
        auto shared = m_limits;
        m_server = std::make_unique<http::Server>(
            std::move(router),
            [shared] {
                std::lock_guard lock(shared->mutex);
                ++shared->asked;
                return shared->limits;
            },
            error_body);
        auto bound = m_server->bind("127.0.0.1", 0);
        REQUIRE(bound);
        m_port = *bound;
        REQUIRE(m_port > 0);
        m_done = m_returned.get_future();
        m_thread = std::thread([this, threads] {
            m_server->run(threads);
            m_returned.set_value();
        });
    }

    ~TestServer() {
        if (!m_thread.joinable()) return;
        m_server->stop();
        if (wait_returned(15s)) {
            m_thread.join();
            return;
        }
        // run() did not return: leak the server and its thread rather than hang the suite.
        if (std::uncaught_exceptions() == 0) FAIL_CHECK("http::Server::run() did not return within 15 s of stop()");
        m_thread.detach();
        (void)m_server.release();
    }

    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    int port() const { return m_port; }
    http::Server& server() { return *m_server; }

    void set_limits(const http::Limits& limits) {
        std::lock_guard lock(m_limits->mutex);
        m_limits->limits = limits;
    }
    int limits_asked() const {
        std::lock_guard lock(m_limits->mutex);
        return m_limits->asked;
    }

    // Whether run() has returned within `limit`.
    bool wait_returned(std::chrono::milliseconds limit) {
        return m_done.valid() && m_done.wait_for(limit) == std::future_status::ready;
    }

    // stop(), then whether run() returned within `limit` (joined if so).
    bool stop_and_wait(std::chrono::milliseconds limit) {
        m_server->stop();
        if (!wait_returned(limit)) return false;
        if (m_thread.joinable()) m_thread.join();
        return true;
    }

    httplib::Client client() const {
        httplib::Client client("127.0.0.1", m_port);
        client.set_connection_timeout(5);
        client.set_read_timeout(5);
        client.set_write_timeout(5);
        return client;
    }

private:
    struct Shared {
        mutable std::mutex mutex;
        http::Limits limits;
        int asked = 0;
    };
    std::shared_ptr<Shared> m_limits;
    std::unique_ptr<http::Server> m_server;
    int m_port = 0;
    std::promise<void> m_returned;
    std::future<void> m_done;
    std::thread m_thread;
};

struct RawResponse {
    std::string status_line;
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    std::string header(const std::string& name) const {
        for (const auto& [n, v] : headers)
            if (strcasecmp(n.c_str(), name.c_str()) == 0) return v;
        return "";
    }
    int count(const std::string& name) const {
        return static_cast<int>(std::count_if(headers.begin(), headers.end(), [&](const auto& h) {
            return strcasecmp(h.first.c_str(), name.c_str()) == 0;
        }));
    }
};

// A blocking client socket with a 5 s receive timeout and its own response
// parser (Content-Length, chunked, or up to end of file).
class Raw {
public:
    explicit Raw(int port, int rcvbuf = 0) {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(m_fd >= 0);
        timeval timeout{5, 0};
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        ::setsockopt(m_fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        int on = 1;
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        if (rcvbuf > 0) ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    }
    ~Raw() { close(); }
    Raw(const Raw&) = delete;
    Raw& operator=(const Raw&) = delete;

    void close() {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = -1;
    }

    bool send(std::string_view bytes) {
        while (!bytes.empty()) {
            ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    // Reads one response; `head_request`: a response to HEAD (no body).
    std::optional<RawResponse> read_response(bool head_request = false) {
        auto head_end = find("\r\n\r\n");
        if (!head_end) return std::nullopt;
        std::string head = m_buffer.substr(0, *head_end);
        m_buffer.erase(0, *head_end + 4);
        RawResponse response;
        auto line_end = head.find("\r\n");
        response.status_line = head.substr(0, line_end);
        if (response.status_line.rfind("HTTP/1.", 0) != 0 || response.status_line.size() < 12) return std::nullopt;
        response.status = std::atoi(response.status_line.c_str() + 9);
        std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
        while (pos < head.size()) {
            auto next = head.find("\r\n", pos);
            std::string line = head.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
            pos = next == std::string::npos ? head.size() : next + 2;
            auto colon = line.find(':');
            if (colon == std::string::npos) return std::nullopt;
            std::string value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(0, 1);
            response.headers.emplace_back(line.substr(0, colon), value);
        }
        if (head_request || response.status / 100 == 1 || response.status == 204 || response.status == 304)
            return response;
        if (strcasecmp(response.header("Transfer-Encoding").c_str(), "chunked") == 0) {
            for (;;) {
                auto size_line = take_line();
                if (!size_line) return std::nullopt;
                std::size_t size = std::stoul(size_line->substr(0, size_line->find(';')), nullptr, 16);
                if (size == 0) {
                    for (;;) { // trailers up to a blank line
                        auto trailer = take_line();
                        if (!trailer) return std::nullopt;
                        if (trailer->empty()) break;
                    }
                    return response;
                }
                auto data = take(size);
                auto crlf = take_line();
                if (!data || !crlf || !crlf->empty()) return std::nullopt;
                response.body += *data;
            }
        }
        if (response.count("Content-Length") > 0) {
            auto body = take(std::stoul(response.header("Content-Length")));
            if (!body) return std::nullopt;
            response.body = *body;
            return response;
        }
        response.body = m_buffer + read_to_eof();
        m_buffer.clear();
        return response;
    }

    // Whatever arrives until the peer closes (or 5 s pass).
    std::string read_to_eof() {
        std::string out;
        char chunk[16 * 1024];
        for (;;) {
            ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (n <= 0) return out;
            out.append(chunk, static_cast<std::size_t>(n));
        }
    }

    // Whether the peer closed the connection (end of file, or a reset) with
    // nothing more to read, within the 5 s receive timeout.
    bool peer_closed() {
        if (!m_buffer.empty()) return false;
        char byte;
        ssize_t n = ::recv(m_fd, &byte, 1, 0);
        if (n == 0) return true;
        return n < 0 && (errno == ECONNRESET || errno == EPIPE);
    }

    // Reads what is there within `ms`, without blocking longer.
    std::string read_available(int ms) {
        timeval timeout{0, ms * 1000};
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        char chunk[4096];
        ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
        timeval back{5, 0};
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &back, sizeof back);
        if (n > 0) m_buffer.append(chunk, static_cast<std::size_t>(n));
        return m_buffer;
    }

    int fd() const { return m_fd; }

private:
    bool fill() {
        char chunk[16 * 1024];
        ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        m_buffer.append(chunk, static_cast<std::size_t>(n));
        return true;
    }
    std::optional<std::size_t> find(std::string_view what) {
        for (;;) {
            auto at = m_buffer.find(what);
            if (at != std::string::npos) return at;
            if (!fill()) return std::nullopt;
        }
    }
    std::optional<std::string> take_line() {
        auto at = find("\r\n");
        if (!at) return std::nullopt;
        std::string line = m_buffer.substr(0, *at);
        m_buffer.erase(0, *at + 2);
        return line;
    }
    std::optional<std::string> take(std::size_t n) {
        while (m_buffer.size() < n)
            if (!fill()) return std::nullopt;
        std::string out = m_buffer.substr(0, n);
        m_buffer.erase(0, n);
        return out;
    }

    int m_fd = -1;
    std::string m_buffer;
};

std::string get(const std::string& path, const std::string& extra = "") {
    return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n";
}

std::string post(const std::string& path, const std::string& body, const std::string& extra = "") {
    return "POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra +
           "\r\n" + body;
}

// The routes most tests use.
struct Routes {
    std::atomic<int> echo_calls{0};
    std::atomic<int> throw_calls{0};

    http::Router make() {
        http::Router router;
        router.Get("/hello", [](const httplib::Request&, httplib::Response& response) {
            response.set_header("X-Custom", "custom value");
            response.set_content("hello", "text/plain");
        });
        router.Post("/echo", [this](const httplib::Request& request, httplib::Response& response) {
            ++echo_calls;
            response.set_content(request.body, "application/octet-stream");
        });
        router.Get("/echo-target", [](const httplib::Request& request, httplib::Response& response) {
            std::string text = request.path;
            for (const auto& [name, value] : request.params) text += "|" + name + "=" + value;
            response.set_content(text, "text/plain");
        });
        router.Get(R"(/items/(\d+))", [](const httplib::Request& request, httplib::Response& response) {
            response.set_content("item " + request.matches[1].str(), "text/plain");
        });
        router.Get("/throw", [this](const httplib::Request&, httplib::Response& response) {
            ++throw_calls;
            response.set_header("X-Partial", "should not leak");
            response.set_content("half-built", "text/plain");
            throw std::runtime_error("handler failed");
        });
        router.set_blocking(true);
        router.Get("/throw-blocking", [](const httplib::Request&, httplib::Response&) { throw 42; });
        router.set_blocking(false);
        return router;
    }
};

} // namespace

TEST_CASE("http server: httplib::Client requests, routes, params, headers, 404") {
    Routes routes;
    TestServer server(routes.make());
    auto client = server.client();

    auto hello = client.Get("/hello");
    REQUIRE(hello);
    CHECK(hello->status == 200);
    CHECK(hello->body == "hello");
    CHECK(hello->get_header_value("Content-Type") == "text/plain");
    CHECK(hello->get_header_value("X-Custom") == "custom value");

    auto echo = client.Post("/echo", std::string(100'000, 'z'), "application/octet-stream");
    REQUIRE(echo);
    CHECK(echo->status == 200);
    CHECK(echo->body == std::string(100'000, 'z'));

    auto target = client.Get("/echo-target?b=two%20words&a=1");
    REQUIRE(target);
    CHECK(target->body == "/echo-target|a=1|b=two words");

    auto item = client.Get("/items/42");
    REQUIRE(item);
    CHECK(item->body == "item 42");

    auto missing = client.Get("/nope");
    REQUIRE(missing);
    CHECK(missing->status == 404);
    CHECK(missing->body == "error 404 at [/nope]");
    CHECK(missing->get_header_value("X-Error-Body") == "yes");

    auto wrong_method = client.Post("/hello", "x", "text/plain");
    REQUIRE(wrong_method);
    CHECK(wrong_method->status == 404);
}

TEST_CASE("http server: keep-alive serves many requests on one connection") {
    Routes routes;
    TestServer server(routes.make());

    Raw raw(server.port());
    for (int i = 0; i < 50; ++i) {
        CAPTURE(i);
        REQUIRE(raw.send(i % 2 ? get("/items/" + std::to_string(i)) : post("/echo", "body " + std::to_string(i))));
        auto response = raw.read_response();
        REQUIRE(response);
        CHECK(response->status == 200);
        CHECK(response->body == (i % 2 ? "item " + std::to_string(i) : "body " + std::to_string(i)));
        CHECK(strcasecmp(response->header("Connection").c_str(), "keep-alive") == 0);
        CHECK(response->count("Content-Length") == 1);
    }

    // httplib::Client with keep-alive, too.
    auto client = server.client();
    client.set_keep_alive(true);
    for (int i = 0; i < 50; ++i) {
        auto response = client.Get("/hello");
        REQUIRE(response);
        CHECK(response->body == "hello");
    }
    // The limits are asked once per request.
    CHECK(server.limits_asked() >= 100);
}

TEST_CASE("http server: pipelined requests in one write, and a head split over several writes") {
    Routes routes;
    TestServer server(routes.make());

    Raw raw(server.port());
    REQUIRE(raw.send(get("/hello") + post("/echo", "world") + get("/echo-target?x=1")));
    auto first = raw.read_response();
    auto second = raw.read_response();
    auto third = raw.read_response();
    REQUIRE(first);
    REQUIRE(second);
    REQUIRE(third);
    CHECK(first->body == "hello");
    CHECK(second->body == "world");
    CHECK(third->body == "/echo-target|x=1");

    // A head and a body arriving in pieces.
    std::string request = post("/echo", "split body");
    for (std::size_t at = 0; at < request.size(); at += 7) {
        REQUIRE(raw.send(request.substr(at, 7)));
        std::this_thread::sleep_for(2ms);
    }
    auto split = raw.read_response();
    REQUIRE(split);
    CHECK(split->status == 200);
    CHECK(split->body == "split body");
}

TEST_CASE("http server: chunked request bodies") {
    Routes routes;
    TestServer server(routes.make());

    Raw raw(server.port());
    std::string head = "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n";
    REQUIRE(raw.send(head + "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n" + get("/hello")));
    auto echoed = raw.read_response();
    REQUIRE(echoed);
    CHECK(echoed->status == 200);
    CHECK(echoed->body == "hello world");
    auto next = raw.read_response(); // what followed the trailers was the next request
    REQUIRE(next);
    CHECK(next->body == "hello");

    // Chunks trickling in.
    REQUIRE(raw.send(head + "3\r\nabc"));
    std::this_thread::sleep_for(20ms);
    REQUIRE(raw.send("\r\n4\r\ndefg\r\n"));
    std::this_thread::sleep_for(20ms);
    REQUIRE(raw.send("0\r\n\r\n"));
    auto trickled = raw.read_response();
    REQUIRE(trickled);
    CHECK(trickled->body == "abcdefg");

    // httplib::Client sends a body of unknown length chunked.
    auto client = server.client();
    auto streamed = client.Post(
        "/echo",
        [](std::size_t offset, httplib::DataSink& sink) {
            if (offset >= 3 * 1000) {
                sink.done();
                return true;
            }
            std::string part(1000, static_cast<char>('a' + offset / 1000));
            sink.write(part.data(), part.size());
            return true;
        },
        "text/plain");
    REQUIRE(streamed);
    CHECK(streamed->status == 200);
    CHECK(streamed->body == std::string(1000, 'a') + std::string(1000, 'b') + std::string(1000, 'c'));

    // Bad chunk framing: 400, and the connection closes.
    Raw bad(server.port());
    REQUIRE(bad.send(head + "zz\r\nhello\r\n0\r\n\r\n"));
    auto refused = bad.read_response();
    REQUIRE(refused);
    CHECK(refused->status == 400);
    CHECK(refused->body == "error 400 at [/echo]");
    CHECK(bad.peer_closed());
}

TEST_CASE("http server: Expect: 100-continue gets 100 Continue before the body is sent") {
    Routes routes;
    http::Limits limits = test_limits();
    limits.max_body_bytes = 1024;
    TestServer server(routes.make(), 1, limits);

    Raw raw(server.port());
    REQUIRE(raw.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n"));
    auto interim = raw.read_response();
    REQUIRE(interim);
    CHECK(interim->status_line == "HTTP/1.1 100 Continue");
    CHECK(interim->headers.empty());
    CHECK(routes.echo_calls == 0);
    REQUIRE(raw.send("hello there"));
    auto final_response = raw.read_response();
    REQUIRE(final_response);
    CHECK(final_response->status == 200);
    CHECK(final_response->body == "hello there");

    // Also for a chunked body.
    REQUIRE(raw.send("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"));
    auto interim2 = raw.read_response();
    REQUIRE(interim2);
    CHECK(interim2->status == 100);
    REQUIRE(raw.send("2\r\nok\r\n0\r\n\r\n"));
    auto final2 = raw.read_response();
    REQUIRE(final2);
    CHECK(final2->body == "ok");

    // Too large: 413 straight away, no 100 Continue.
    Raw big(server.port());
    REQUIRE(big.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n"));
    auto refused = big.read_response();
    REQUIRE(refused);
    CHECK(refused->status == 413);
    CHECK(refused->body == "error 413 at [/echo]");
}

TEST_CASE("http server: HEAD gets the GET route's headers and no body") {
    Routes routes;
    TestServer server(routes.make());

    Raw raw(server.port());
    // HEAD then GET in one write: a body after the HEAD response would be read as the GET's status line.
    REQUIRE(raw.send("HEAD /hello HTTP/1.1\r\nHost: test\r\n\r\n" + get("/hello")));
    auto head = raw.read_response(true);
    REQUIRE(head);
    CHECK(head->status == 200);
    CHECK(head->header("Content-Length") == "5");
    CHECK(head->header("Content-Type") == "text/plain");
    CHECK(head->header("X-Custom") == "custom value");
    auto after = raw.read_response();
    REQUIRE(after);
    CHECK(after->status_line == "HTTP/1.1 200 OK");
    CHECK(after->body == "hello");

    auto client = server.client();
    auto via_client = client.Head("/items/7");
    REQUIRE(via_client);
    CHECK(via_client->status == 200);
    CHECK(via_client->body.empty());
    CHECK(via_client->get_header_value("Content-Length") == "6");
}

TEST_CASE("http server: an oversized body gets 413 with the ErrorBody body") {
    Routes routes;
    http::Limits limits = test_limits();
    limits.max_body_bytes = 1024;
    TestServer server(routes.make(), 1, limits);

    SUBCASE("Content-Length over the limit, body never sent") {
        Raw raw(server.port());
        REQUIRE(raw.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 2048\r\n\r\n"));
        auto response = raw.read_response();
        REQUIRE(response);
        CHECK(response->status == 413);
        CHECK(response->status_line == "HTTP/1.1 413 Payload Too Large");
        CHECK(response->body == "error 413 at [/echo]");
        CHECK(response->header("X-Error-Body") == "yes");
        CHECK(strcasecmp(response->header("Connection").c_str(), "close") == 0);
        CHECK(raw.peer_closed());
    }
    SUBCASE("a chunked body growing over the limit") {
        Raw raw(server.port());
        std::string chunk(600, 'c');
        REQUIRE(raw.send("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n" + chunk +
                         "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n"));
        auto response = raw.read_response();
        REQUIRE(response);
        CHECK(response->status == 413);
        CHECK(response->body == "error 413 at [/echo]");
    }
    SUBCASE("httplib::Client sending a 1 MiB body still reads the 413") {
        auto client = server.client();
        auto response = client.Post("/echo", std::string(1 << 20, 'x'), "application/octet-stream");
        REQUIRE(response);
        CHECK(response->status == 413);
        CHECK(response->body == "error 413 at [/echo]");
    }
    SUBCASE("exactly at the limit is fine") {
        auto client = server.client();
        auto response = client.Post("/echo", std::string(1024, 'x'), "application/octet-stream");
        REQUIRE(response);
        CHECK(response->status == 200);
        CHECK(response->body.size() == 1024);
    }
    CHECK(routes.echo_calls <= 1); // only the request at the limit reached the handler
}

TEST_CASE("http server: the limits are asked per request, so a change applies to the next request") {
    Routes routes;
    TestServer server(routes.make());
    Raw raw(server.port());
    REQUIRE(raw.send(post("/echo", std::string(100, 'a'))));
    auto ok = raw.read_response();
    REQUIRE(ok);
    CHECK(ok->status == 200);

    std::this_thread::sleep_for(50ms); // the connection is idle now, waiting for its next request
    http::Limits tight = test_limits();
    tight.max_body_bytes = 10;
    server.set_limits(tight);
    {
        Raw fresh(server.port()); // a new connection sees the new limits
        REQUIRE(fresh.send(post("/echo", std::string(100, 'a'))));
        auto response = fresh.read_response();
        REQUIRE(response);
        CHECK(response->status == 413);
    }
    // So does the next request on a connection that was idle when they changed.
    REQUIRE(raw.send(post("/echo", std::string(100, 'a'))));
    auto refused = raw.read_response();
    REQUIRE(refused);
    CHECK(refused->status == 413);
}

TEST_CASE("http server: a head over max_head_bytes gets 431") {
    Routes routes;
    http::Limits limits = test_limits();
    limits.max_head_bytes = 4096;
    TestServer server(routes.make(), 1, limits);

    Raw raw(server.port());
    REQUIRE(raw.send("GET /hello HTTP/1.1\r\nHost: test\r\nX-Big: " + std::string(8000, 'b') + "\r\n\r\n"));
    auto response = raw.read_response();
    REQUIRE(response);
    CHECK(response->status == 431);
    CHECK(response->status_line == "HTTP/1.1 431 Request Header Fields Too Large");
    CHECK(response->body.rfind("error 431", 0) == 0);
    CHECK(response->header("X-Error-Body") == "yes");
    CHECK(raw.peer_closed());

    // Still over the limit when the blank line never comes.
    Raw endless(server.port());
    REQUIRE(endless.send("GET /hello HTTP/1.1\r\nX-Big: " + std::string(6000, 'b')));
    auto refused = endless.read_response();
    REQUIRE(refused);
    CHECK(refused->status == 431);

    // Just under the limit is served.
    auto client = server.client();
    auto fine = client.Get("/hello", {{"X-Pad", std::string(3000, 'p')}});
    REQUIRE(fine);
    CHECK(fine->status == 200);
}

TEST_CASE("http server: malformed requests get 400 and the connection closes") {
    Routes routes;
    TestServer server(routes.make());

    const char* garbage[] = {
        "THIS IS NOT HTTP\r\n\r\n",
        "GET /hello HTTP/9.9\r\n\r\n",
        "GET /hello HTTP/1.1\r\nNo colon here\r\n\r\n",
        "POST /echo HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        "POST /echo HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
        "POST /echo HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
    };
    for (const char* request : garbage) {
        CAPTURE(request);
        Raw raw(server.port());
        REQUIRE(raw.send(request));
        auto response = raw.read_response();
        REQUIRE(response);
        CHECK(response->status == 400);
        CHECK(response->status_line == "HTTP/1.1 400 Bad Request");
        CHECK(response->body.rfind("error 400 at [", 0) == 0);
        CHECK(raw.peer_closed());
    }
    CHECK(routes.echo_calls == 0);
}

TEST_CASE("http server: a handler that throws gets 500 from ErrorBody; the connection goes on") {
    Routes routes;
    TestServer server(routes.make());

    Raw raw(server.port());
    REQUIRE(raw.send(get("/throw")));
    auto failed = raw.read_response();
    REQUIRE(failed);
    CHECK(failed->status == 500);
    CHECK(failed->body == "error 500 at [/throw]");
    CHECK(failed->header("X-Partial").empty()); // what the handler set before throwing is dropped
    CHECK(failed->header("X-Error-Body") == "yes");
    CHECK(routes.throw_calls == 1);

    REQUIRE(raw.send(get("/throw-blocking")));
    auto blocking = raw.read_response();
    REQUIRE(blocking);
    CHECK(blocking->status == 500);
    CHECK(blocking->body == "error 500 at [/throw-blocking]");

    REQUIRE(raw.send(get("/hello")));
    auto after = raw.read_response();
    REQUIRE(after);
    CHECK(after->status == 200);
    CHECK(after->body == "hello");
}

TEST_CASE("http server: HTTP/1.0 and Connection: close end the connection after the response") {
    Routes routes;
    TestServer server(routes.make());

    Raw old(server.port());
    REQUIRE(old.send("GET /hello HTTP/1.0\r\n\r\n"));
    auto response = old.read_response();
    REQUIRE(response);
    CHECK(response->body == "hello");
    CHECK(strcasecmp(response->header("Connection").c_str(), "close") == 0);
    CHECK(old.peer_closed());

    Raw old_kept(server.port());
    REQUIRE(old_kept.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto kept = old_kept.read_response();
    REQUIRE(kept);
    CHECK(strcasecmp(kept->header("Connection").c_str(), "keep-alive") == 0);
    REQUIRE(old_kept.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    CHECK(old_kept.read_response().has_value());

    Raw closing(server.port());
    REQUIRE(closing.send(get("/hello", "Connection: close\r\n")));
    auto closed = closing.read_response();
    REQUIRE(closed);
    CHECK(strcasecmp(closed->header("Connection").c_str(), "close") == 0);
    CHECK(closing.peer_closed());
}

TEST_CASE("http server: chunked streaming responses arrive complete") {
    std::atomic<int> released{0};
    std::atomic<bool> released_ok{false};
    std::atomic<bool> slow_started{false}, slow_finished{false};
    http::Router router;
    router.Get("/hello", [](const httplib::Request&, httplib::Response& response) { response.set_content("hello", "text/plain"); });
    router.Get("/stream", [&](const httplib::Request&, httplib::Response& response) {
        response.set_header("X-Stream", "yes");
        response.set_chunked_content_provider(
            "text/plain",
            [](std::size_t, httplib::DataSink& sink) {
                for (int i = 0; i < 5; ++i) {
                    std::string part = "chunk" + std::to_string(i) + "\n";
                    if (!sink.write(part.data(), part.size())) return false;
                }
                sink.done();
                return true;
            },
            [&](bool success) {
                released_ok = success;
                ++released;
            });
    });
    // One chunk per call, parking between chunks: the loop serves others meanwhile.
    router.Get("/stream-slow", [&](const httplib::Request&, httplib::Response& response) {
        auto calls = std::make_shared<int>(0);
        response.set_chunked_content_provider("text/plain", [&, calls](std::size_t, httplib::DataSink& sink) {
            slow_started = true;
            if (*calls == 6) {
                slow_finished = true;
                sink.done();
                return true;
            }
            io::sleep_until(core::monotonic_us() + 50'000);
            std::string part = "slow" + std::to_string((*calls)++);
            return sink.write(part.data(), part.size());
        });
    });
    TestServer server(std::move(router));

    auto client = server.client();
    auto streamed = client.Get("/stream");
    REQUIRE(streamed);
    CHECK(streamed->status == 200);
    CHECK(streamed->body == "chunk0\nchunk1\nchunk2\nchunk3\nchunk4\n");
    CHECK(streamed->get_header_value("X-Stream") == "yes");
    CHECK(eventually([&] { return released.load() == 1; }, 2s));
    CHECK(released_ok);

    // On the wire: Transfer-Encoding: chunked, no Content-Length, and the connection is reusable after.
    Raw raw(server.port());
    REQUIRE(raw.send(get("/stream") + get("/hello")));
    auto wire = raw.read_response();
    REQUIRE(wire);
    CHECK(strcasecmp(wire->header("Transfer-Encoding").c_str(), "chunked") == 0);
    CHECK(wire->count("Content-Length") == 0);
    CHECK(wire->body == "chunk0\nchunk1\nchunk2\nchunk3\nchunk4\n");
    auto next = raw.read_response();
    REQUIRE(next);
    CHECK(next->body == "hello");

    // HEAD of a streamed route: headers only.
    REQUIRE(raw.send("HEAD /stream HTTP/1.1\r\nHost: test\r\n\r\n" + get("/hello")));
    auto head = raw.read_response(true);
    REQUIRE(head);
    CHECK(head->status == 200);
    auto after_head = raw.read_response();
    REQUIRE(after_head);
    CHECK(after_head->body == "hello");

    // A slow stream does not hold up another request on the same loop.
    std::string slow_body;
    std::thread slow([&] {
        auto slow_client = server.client();
        auto response = slow_client.Get("/stream-slow");
        if (response) slow_body = response->body;
    });
    bool started = eventually([&] { return slow_started.load(); });
    auto fast = client.Get("/hello");
    bool finished_before_fast = slow_finished.load();
    slow.join();
    CHECK(started);
    REQUIRE(fast);
    CHECK(fast->body == "hello");
    CHECK_FALSE(finished_before_fast);
    CHECK(slow_body == "slow0slow1slow2slow3slow4slow5");
}

TEST_CASE("http server: a chunked content provider gets the offset written so far, as with httplib::Server") {
    // cpp-httplib passes a chunked provider the number of bytes it has
    // written so far; providers that stream a buffer use it to know where
    // they are. Routes are meant to serve the same on both servers.
    const std::string text = "abcdefghijklmnopqrstuvwxyz";
    std::atomic<int> calls{0};
    http::Router router;
    router.Get("/alphabet", [&](const httplib::Request&, httplib::Response& response) {
        response.set_chunked_content_provider("text/plain", [&](std::size_t offset, httplib::DataSink& sink) {
            if (++calls > 100 || offset >= text.size()) { // the guard keeps a broken offset from looping forever
                sink.done();
                return true;
            }
            std::size_t n = std::min<std::size_t>(4, text.size() - offset);
            return sink.write(text.data() + offset, n);
        });
    });

    // The reference: the same routes on an httplib::Server.
    {
        httplib::Server reference;
        router.install(reference);
        int port = reference.bind_to_any_port("127.0.0.1");
        REQUIRE(port > 0);
        std::thread serving([&] { reference.listen_after_bind(); });
        httplib::Client client("127.0.0.1", port);
        client.set_connection_timeout(5);
        client.set_read_timeout(5);
        auto response = client.Get("/alphabet");
        eventually([&] { return reference.is_running(); });
        reference.stop();
        serving.join();
        REQUIRE(response);
        CHECK(response->body == text);
    }

    calls = 0;
    TestServer server(std::move(router));
    auto client = server.client();
    auto response = client.Get("/alphabet");
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body == text);
    CHECK(calls.load() <= 10);
}

TEST_CASE("http server: a client leaving mid-stream fails the stream and releases it") {
    std::atomic<int> released{0};
    std::atomic<bool> released_ok{true};
    std::atomic<bool> write_failed{false};
    http::Router router;
    router.Get("/forever", [&](const httplib::Request&, httplib::Response& response) {
        response.set_chunked_content_provider(
            "text/plain",
            [&](std::size_t, httplib::DataSink& sink) {
                auto give_up = core::monotonic_us() + 10'000'000;
                while (core::monotonic_us() < give_up) {
                    std::string part(1024, 'f');
                    if (!sink.write(part.data(), part.size())) {
                        write_failed = true;
                        return false;
                    }
                    io::sleep_until(core::monotonic_us() + 5'000);
                }
                sink.done();
                return true;
            },
            [&](bool success) {
                released_ok = success;
                ++released;
            });
    });
    TestServer server(std::move(router));
    {
        Raw raw(server.port());
        REQUIRE(raw.send(get("/forever")));
        CHECK(raw.read_available(2000).find("200 OK") != std::string::npos);
    } // closed mid-stream
    CHECK(eventually([&] { return released.load() == 1; }, 5s));
    CHECK(write_failed);
    CHECK_FALSE(released_ok);
}

TEST_CASE("http server: a blocking route does not stall a fast route on a single loop thread") {
    std::atomic<bool> slow_started{false}, slow_finished{false};
    std::thread::id loop_thread, slow_thread;
    std::mutex ids;
    http::Router router;
    router.Get("/fast", [&](const httplib::Request&, httplib::Response& response) {
        {
            std::lock_guard lock(ids);
            loop_thread = std::this_thread::get_id();
        }
        response.set_content("fast", "text/plain");
    });
    router.set_blocking(true);
    router.Get("/slow", [&](const httplib::Request&, httplib::Response& response) {
        {
            std::lock_guard lock(ids);
            slow_thread = std::this_thread::get_id();
        }
        slow_started = true;
        std::this_thread::sleep_for(300ms); // really blocks the thread it runs on
        slow_finished = true;
        response.set_content("slow", "text/plain");
    });
    router.set_blocking(false);
    TestServer server(std::move(router), 1);

    std::string slow_body;
    std::thread slow([&] {
        auto client = server.client();
        auto response = client.Get("/slow");
        if (response) slow_body = response->body;
    });
    bool started = eventually([&] { return slow_started.load(); });
    auto client = server.client();
    auto fast = client.Get("/fast");
    bool slow_done_when_fast_returned = slow_finished.load();
    slow.join();

    CHECK(started);
    REQUIRE(fast);
    CHECK(fast->body == "fast");
    CHECK_FALSE(slow_done_when_fast_returned);
    CHECK(slow_body == "slow");
    std::lock_guard lock(ids);
    CHECK(slow_thread != loop_thread);
    CHECK(slow_thread != std::thread::id());
}

TEST_CASE("http server: stop() closes idle keep-alive connections and run() returns promptly") {
    Routes routes;
    TestServer server(routes.make(), 1);
    CHECK(eventually([&] { return server.server().loops() == 1; }));

    Raw used(server.port());
    REQUIRE(used.send(get("/hello")));
    auto response = used.read_response();
    REQUIRE(response);
    CHECK(strcasecmp(response->header("Connection").c_str(), "keep-alive") == 0);
    Raw silent(server.port()); // connected, never sent a byte
    auto client = server.client();
    client.set_keep_alive(true);
    REQUIRE(client.Get("/hello"));
    std::this_thread::sleep_for(50ms); // all accepted and idle

    auto start = SteadyClock::now();
    bool returned = server.stop_and_wait(3s);
    long long took = ms_since(start);
    CHECK(returned);
    CHECK(took < 2000); // keep_alive_ms is 30 s: stop() closed them, no timeout did
    CHECK(used.peer_closed());
    CHECK(silent.peer_closed());
    CHECK(server.server().loops() == 0);
    server.server().stop(); // idempotent
}

TEST_CASE("http server: stop() lets a request in flight finish, with Connection: close") {
    std::atomic<bool> started{false};
    http::Router router;
    router.Get("/sleepy", [&](const httplib::Request&, httplib::Response& response) {
        started = true;
        io::sleep_until(core::monotonic_us() + 300'000);
        response.set_content("rested", "text/plain");
    });
    TestServer server(std::move(router), 1);

    Raw raw(server.port());
    REQUIRE(raw.send(get("/sleepy")));
    REQUIRE(eventually([&] { return started.load(); }));
    server.server().stop();
    auto response = raw.read_response();
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body == "rested");
    CHECK(strcasecmp(response->header("Connection").c_str(), "close") == 0);
    CHECK(raw.peer_closed());
    CHECK(server.wait_returned(3s));
}

TEST_CASE("http server: stop() before run() makes run() return at once") {
    // On the heap and shared with the thread: leaked, not destroyed under it, if run() hangs.
    auto server = std::make_shared<http::Server>(http::Router(), test_limits, error_body);
    auto port = server->bind("127.0.0.1", 0);
    REQUIRE(port);
    server->stop();
    auto returned = std::make_shared<std::promise<void>>();
    auto done = returned->get_future();
    std::thread runner([server, returned] {
        server->run(2);
        returned->set_value();
    });
    bool ok = done.wait_for(3s) == std::future_status::ready;
    CHECK(ok);
    if (ok) runner.join();
    else runner.detach();
}

TEST_CASE("http server: idle and stalled connections time out") {
    Routes routes;
    http::Limits limits = test_limits();
    limits.keep_alive_ms = 200;
    limits.read_timeout_ms = 200;
    TestServer server(routes.make(), 1, limits);

    Raw idle(server.port());
    REQUIRE(idle.send(get("/hello")));
    REQUIRE(idle.read_response());
    auto start = SteadyClock::now();
    CHECK(idle.peer_closed()); // the receive timeout is 5 s
    CHECK(ms_since(start) >= 150);

    Raw stalled(server.port());
    REQUIRE(stalled.send("GET /hello HTTP/1.1\r\nHost: te"));
    start = SteadyClock::now();
    CHECK(stalled.peer_closed());
    CHECK(ms_since(start) >= 150);

    Raw short_body(server.port());
    REQUIRE(short_body.send("POST /echo HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"));
    CHECK(short_body.peer_closed());
    CHECK(routes.echo_calls == 0);
}

TEST_CASE("http server: a client that stops reading is dropped after write_timeout_ms") {
    http::Router router;
    router.Get("/big", [](const httplib::Request&, httplib::Response& response) {
        response.set_content(std::string(16 << 20, 'b'), "application/octet-stream");
    });
    http::Limits limits = test_limits();
    limits.write_timeout_ms = 300;
    TestServer server(std::move(router), 1, limits);

    Raw lazy(server.port(), 4096);
    REQUIRE(lazy.send(get("/big")));
    std::this_thread::sleep_for(100ms); // the server is stuck writing by now
    auto start = SteadyClock::now();
    bool returned = server.stop_and_wait(5s); // in flight: only the write timeout ends it
    CHECK(returned);
    CHECK(ms_since(start) < 4000);
}

TEST_CASE("http server: 200 concurrent connections each doing a request all succeed") {
    std::atomic<int> in_flight{0}, peak{0}, served{0};
    http::Router router;
    router.Get(R"(/wait/(\d+))", [&](const httplib::Request& request, httplib::Response& response) {
        int now = ++in_flight;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        io::sleep_until(core::monotonic_us() + 200'000); // parks the fiber, not the loop
        --in_flight;
        ++served;
        response.set_content("done " + request.matches[1].str(), "text/plain");
    });
    TestServer server(std::move(router), 2);

    constexpr int k_connections = 200;
    std::vector<std::unique_ptr<Raw>> sockets;
    for (int i = 0; i < k_connections; ++i) sockets.push_back(std::make_unique<Raw>(server.port()));
    auto start = SteadyClock::now();
    for (int i = 0; i < k_connections; ++i) REQUIRE(sockets[i]->send(get("/wait/" + std::to_string(i))));
    int ok = 0;
    for (int i = 0; i < k_connections; ++i) {
        auto response = sockets[i]->read_response();
        if (response && response->status == 200 && response->body == "done " + std::to_string(i)) ++ok;
    }
    long long took = ms_since(start);
    CHECK(ok == k_connections);
    CHECK(served == k_connections);
    CHECK(peak >= k_connections / 2); // served side by side, not one after the other
    CHECK(took < 10'000);             // 200 x 200 ms one by one would be 40 s

    // And from 20 threads with httplib::Client, keep-alive, 10 requests each.
    std::atomic<int> client_ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 20; ++t)
        threads.emplace_back([&, t] {
            auto client = server.client();
            client.set_keep_alive(true);
            for (int i = 0; i < 10; ++i) {
                auto response = client.Get("/wait/" + std::to_string(t));
                if (response && response->status == 200 && response->body == "done " + std::to_string(t)) ++client_ok;
            }
        });
    for (auto& thread : threads) thread.join();
    CHECK(client_ok == 200);
}

TEST_CASE("http server: a stream to an HTTP/1.0 client is not chunked and ends with the connection") {
    http::Router router;
    router.Get("/stream", [](const httplib::Request&, httplib::Response& response) {
        response.set_chunked_content_provider("text/plain", [](std::size_t, httplib::DataSink& sink) {
            for (int i = 0; i < 3; ++i) {
                std::string part = "part" + std::to_string(i) + ";";
                if (!sink.write(part.data(), part.size())) return false;
            }
            sink.done();
            return true;
        });
    });
    TestServer server(std::move(router));
    Raw old(server.port());
    REQUIRE(old.send("GET /stream HTTP/1.0\r\n\r\n"));
    auto response = old.read_response(); // no length, no chunks: read to the end
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->header("Transfer-Encoding").empty());
    CHECK(strcasecmp(response->header("Connection").c_str(), "close") == 0);
    CHECK(response->body == "part0;part1;part2;");
}

TEST_CASE("http server: framing headers a handler sets are the server's to send, once") {
    http::Router router;
    router.Get("/framed", [](const httplib::Request&, httplib::Response& response) {
        response.set_header("Content-Length", "999");
        response.set_header("Connection", "close");
        response.set_header("Transfer-Encoding", "gzip");
        response.set_content("four", "text/plain");
    });
    TestServer server(std::move(router));
    Raw raw(server.port());
    REQUIRE(raw.send(get("/framed")));
    auto response = raw.read_response();
    REQUIRE(response);
    CHECK(response->count("Content-Length") == 1);
    CHECK(response->header("Content-Length") == "4");
    CHECK(response->count("Transfer-Encoding") == 0);
    CHECK(response->count("Connection") == 1);
    CHECK(response->body == "four");
    REQUIRE(raw.send(get("/framed"))); // the connection was kept
    CHECK(raw.read_response().has_value());
}

TEST_CASE("http server: a chunked body's coding is bounded too, not only its decoded size") {
    Routes routes;
    http::Limits limits = test_limits();
    limits.max_body_bytes = 1024;
    TestServer server(routes.make(), 1, limits);
    // 1-byte chunks, each with a 900-byte extension: 300 bytes of body in
    // about 270 KB of coding, past twice the limit plus 64 KiB.
    std::string chunk = "1;pad=" + std::string(900, 'x') + "\r\na\r\n";
    std::string body;
    for (int i = 0; i < 300; ++i) body += chunk;
    Raw raw(server.port());
    REQUIRE(raw.send("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" + body + "0\r\n\r\n"));
    auto response = raw.read_response();
    REQUIRE(response);
    CHECK(response->status == 413);
    CHECK(routes.echo_calls == 0);

    // A chunk size past the limit is refused as soon as its size line arrives.
    Raw big(server.port());
    REQUIRE(big.send("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n"));
    auto refused = big.read_response();
    REQUIRE(refused);
    CHECK(refused->status == 413);
}

TEST_CASE("http server: mutated and truncated requests never take it down") {
    Routes routes;
    http::Limits limits = test_limits();
    limits.read_timeout_ms = 200; // truncated requests end quickly
    TestServer server(routes.make(), 1, limits);
    const std::string body = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})";
    const std::string plain = post("/echo", body, "Content-Type: application/json\r\n");
    const std::string chunked = "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n" +
                                body.substr(0, 16) + "\r\n" + [&] {
                                    char size[16];
                                    std::snprintf(size, sizeof size, "%zx", body.size() - 16);
                                    return std::string(size);
                                }() + "\r\n" + body.substr(16) + "\r\n0\r\n\r\n";
    std::mt19937 random(20261126);
    auto below = [&](std::size_t n) { return static_cast<std::size_t>(random() % n); };
    for (int i = 0; i < 400; ++i) {
        std::string bytes = below(2) ? plain : chunked;
        switch (below(4)) {
        case 0: // a few bytes changed
            for (std::size_t k = 0, n = 1 + below(8); k < n; ++k) bytes[below(bytes.size())] = static_cast<char>(below(256));
            break;
        case 1: // cut short
            bytes.resize(below(bytes.size()));
            break;
        case 2: // bytes inserted
            bytes.insert(below(bytes.size()), std::string(1 + below(64), static_cast<char>(below(256))));
            break;
        default: // noise
            bytes.assign(1 + below(400), '\0');
            for (char& c : bytes) c = static_cast<char>(below(256));
        }
        Raw raw(server.port());
        raw.send(bytes);
        ::shutdown(raw.fd(), SHUT_WR);
        raw.read_response(); // whatever comes back, if anything
    }
    // Still serving, on a new connection and with both body framings.
    Raw after(server.port());
    REQUIRE(after.send(plain));
    auto echoed = after.read_response();
    REQUIRE(echoed);
    CHECK(echoed->status == 200);
    CHECK(echoed->body == body);
    REQUIRE(after.send(chunked));
    auto chunked_echo = after.read_response();
    REQUIRE(chunked_echo);
    CHECK(chunked_echo->body == body);
}
