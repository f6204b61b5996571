// The in-process HTTP server the http_server_* e2e tests drive: an
// http::Server on 127.0.0.1 port 0 run on a thread of its own (TestServer),
// a raw client socket with its own response parser (Raw), and the routes most
// tests use.
//
// Every wait is bounded: raw sockets have 5 s receive timeouts, and the
// server's run() thread is stopped and joined by a guard that gives up
// (and fails) rather than hang when run() does not return.
#pragma once

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
#include "megarouter/http/httplib_bridge.hpp"
#include "megarouter/http/router.hpp"
#include "megarouter/http/server.hpp"
#include "megarouter/io/loop.hpp"

namespace http_server_test {

using namespace megarouter;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

inline long long ms_since(SteadyClock::time_point start) {
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
inline void error_body(const http::Request& request, http::Response& response) {
    response.set_content("error " + std::to_string(response.status) + " at [" + request.path + "]", "text/plain");
    response.set_header("X-Error-Body", "yes");
}

inline http::Limits test_limits() {
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

inline std::string get(const std::string& path, const std::string& extra = "") {
    return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n";
}

inline std::string post(const std::string& path, const std::string& body, const std::string& extra = "") {
    return "POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra +
           "\r\n" + body;
}

// The routes most tests use.
struct Routes {
    std::atomic<int> echo_calls{0};
    std::atomic<int> throw_calls{0};

    http::Router make() {
        http::Router router;
        router.Get("/hello", [](const http::Request&, http::Response& response) {
            response.set_header("X-Custom", "custom value");
            response.set_content("hello", "text/plain");
        });
        router.Post("/echo", [this](const http::Request& request, http::Response& response) {
            ++echo_calls;
            response.set_content(request.body, "application/octet-stream");
        });
        router.Get("/echo-target", [](const http::Request& request, http::Response& response) {
            std::string text = request.path;
            for (const auto& [name, value] : request.params) text += "|" + name + "=" + value;
            response.set_content(text, "text/plain");
        });
        router.Get("/items/:id", [](const http::Request& request, http::Response& response) {
            response.set_content("item " + std::string(request.param("id")), "text/plain");
        });
        router.Get("/throw", [this](const http::Request&, http::Response& response) {
            ++throw_calls;
            response.set_header("X-Partial", "should not leak");
            response.set_content("half-built", "text/plain");
            throw std::runtime_error("handler failed");
        });
        router.set_blocking(true);
        router.Get("/throw-blocking", [](const http::Request&, http::Response&) { throw 42; });
        router.set_blocking(false);
        return router;
    }
};

} // namespace http_server_test
