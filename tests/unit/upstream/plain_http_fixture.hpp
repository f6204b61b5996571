// Fixture for the tests of the upstream client's native HTTP/1.1 path
// (src/upstream/plain_http.cpp), taken by UpstreamClient::send for http:// URLs when the caller runs in a
// fiber on an io::Loop, checked against the contract in
// megarouter/upstream/client.hpp. The upstream is a small raw-socket server
// written here, scripted per connection, so the tests control framing,
// timing and connection closes byte for byte.
//
// Assertions stay outside fibers: a REQUIRE throwing inside a fiber would be
// swallowed by the loop, so fibers record what they saw and the test case
// checks it after the loop returns. Every wait is bounded in time.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "megarouter/core/clock.hpp"
#include "megarouter/core/error.hpp"
#include "megarouter/io/loop.hpp"
#include "megarouter/upstream/client.hpp"
#include "megarouter/upstream/http.hpp"
#include "upstream/plain_http.hpp"


namespace plain_http_test {

using namespace megarouter;
using namespace megarouter::upstream;
using namespace std::chrono_literals;

inline std::int64_t now_us() { return core::monotonic_us(); }
inline std::int64_t ms_since(std::int64_t start_us) { return (now_us() - start_us) / 1000; }

// ---------------------------------------------------------------------------
// A tiny HTTP/1.1 server on 127.0.0.1, one thread per accepted connection,
// each running the test's script for that connection.

struct SeenRequest {
    int connection = -1; // 0-based order of acceptance
    std::string method;
    std::string target;
    Headers headers;
    std::string body;
};

class TestServer;

// One accepted connection, as seen by a script. Every wait ends at its
// timeout or when the server stops.
class Conn {
public:
    Conn(int fd, int stop_fd, int index, TestServer& server) : m_fd(fd), m_stop_fd(stop_fd), m_index(index), m_server(server) {}
    ~Conn() { close(); }
    Conn(const Conn&) = delete;
    Conn& operator=(const Conn&) = delete;

    int index() const { return m_index; }

    // The next request (head and Content-Length body), or nullopt on EOF,
    // error, timeout or stop.
    std::optional<SeenRequest> read_request(int timeout_ms = 5000);
    // Writes all of `bytes`; false when the peer is gone.
    bool send(std::string_view bytes) {
        while (!bytes.empty()) {
            if (m_fd < 0) return false;
            ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }
    // Sleeps `ms`; false when the server stops meanwhile.
    bool pause(int ms) {
        pollfd p{m_stop_fd, POLLIN, 0};
        return ::poll(&p, 1, ms) == 0;
    }
    // Waits until the peer closes (EOF or reset); true when it did within `timeout_ms`.
    bool wait_closed(int timeout_ms = 5000) {
        auto deadline = now_us() + std::int64_t{timeout_ms} * 1000;
        char buffer[4096];
        while (m_fd >= 0) {
            if (!wait_readable(deadline)) return false;
            ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return true;
        }
        return true;
    }
    void close() {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = -1;
    }
    // Closes with a TCP reset instead of a FIN.
    void reset() {
        if (m_fd < 0) return;
        linger hard{1, 0};
        ::setsockopt(m_fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        close();
    }

private:
    bool wait_readable(std::int64_t deadline_us) {
        for (;;) {
            std::int64_t left_ms = (deadline_us - now_us()) / 1000;
            if (left_ms <= 0) return false;
            pollfd p[2] = {{m_fd, POLLIN, 0}, {m_stop_fd, POLLIN, 0}};
            int rc = ::poll(p, 2, static_cast<int>(left_ms));
            if (rc < 0 && errno == EINTR) continue;
            if (rc <= 0 || p[1].revents) return false;
            return true;
        }
    }

    int m_fd;
    int m_stop_fd;
    int m_index;
    TestServer& m_server;
    std::string m_buffer;
};

class TestServer {
public:
    using Script = std::function<void(Conn&)>;

    explicit TestServer(Script script) : m_script(std::move(script)) {
        int pipe_fds[2];
        REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
        m_stop_read = pipe_fds[0];
        m_stop_write = pipe_fds[1];
        m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(m_listen >= 0);
        int on = 1;
        ::setsockopt(m_listen, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        REQUIRE(::bind(m_listen, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(m_listen, 16) == 0);
        socklen_t length = sizeof address;
        REQUIRE(::getsockname(m_listen, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        m_port = ntohs(address.sin_port);
        m_acceptor = std::thread([this] { accept_loop(); });
    }

    // The scope guard: stops every wait, joins every thread, closes sockets.
    ~TestServer() {
        char byte = 1;
        [[maybe_unused]] auto ignored = ::write(m_stop_write, &byte, 1);
        if (m_acceptor.joinable()) m_acceptor.join();
        std::vector<std::thread> workers;
        {
            std::lock_guard lock(m_mutex);
            workers.swap(m_workers);
        }
        for (auto& worker : workers)
            if (worker.joinable()) worker.join();
        ::close(m_listen);
        ::close(m_stop_read);
        ::close(m_stop_write);
    }

    int port() const { return m_port; }
    std::string authority() const { return "127.0.0.1:" + std::to_string(m_port); }
    std::string url(const std::string& path = "/") const { return "http://" + authority() + path; }

    int connections() const { return m_accepted.load(); }
    std::vector<SeenRequest> requests() const {
        std::lock_guard lock(m_mutex);
        return m_requests;
    }
    void record(SeenRequest request) {
        std::lock_guard lock(m_mutex);
        m_requests.push_back(std::move(request));
    }
    // Scripts that finished (their connection thread ended).
    int finished() const { return m_finished.load(); }

private:
    void accept_loop() {
        auto deadline = now_us() + 60'000'000; // a test never needs the server longer
        for (;;) {
            std::int64_t left_ms = (deadline - now_us()) / 1000;
            if (left_ms <= 0) return;
            pollfd p[2] = {{m_listen, POLLIN, 0}, {m_stop_read, POLLIN, 0}};
            int rc = ::poll(p, 2, static_cast<int>(left_ms));
            if (rc < 0 && errno == EINTR) continue;
            if (rc <= 0 || p[1].revents) return;
            int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            int index = m_accepted.fetch_add(1);
            std::lock_guard lock(m_mutex);
            m_workers.emplace_back([this, fd, index] {
                {
                    Conn conn(fd, m_stop_read, index, *this);
                    m_script(conn);
                }
                m_finished.fetch_add(1);
            });
        }
    }

    Script m_script;
    int m_listen = -1;
    int m_stop_read = -1;
    int m_stop_write = -1;
    int m_port = 0;
    std::atomic<int> m_accepted{0};
    std::atomic<int> m_finished{0};
    mutable std::mutex m_mutex;
    std::vector<SeenRequest> m_requests;
    std::vector<std::thread> m_workers;
    std::thread m_acceptor;
};

inline std::optional<SeenRequest> Conn::read_request(int timeout_ms) {
    auto deadline = now_us() + std::int64_t{timeout_ms} * 1000;
    auto fill = [&]() {
        if (m_fd < 0 || !wait_readable(deadline)) return false;
        char buffer[4096];
        ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR) return true;
        if (n <= 0) return false;
        m_buffer.append(buffer, static_cast<std::size_t>(n));
        return true;
    };
    std::size_t end;
    while ((end = m_buffer.find("\r\n\r\n")) == std::string::npos)
        if (!fill()) return std::nullopt;
    SeenRequest request;
    request.connection = m_index;
    std::string_view head(m_buffer.data(), end);
    auto line_end = head.find("\r\n");
    std::string_view line = head.substr(0, line_end);
    auto space = line.find(' ');
    auto space2 = line.find(' ', space + 1);
    request.method = std::string(line.substr(0, space));
    request.target = std::string(line.substr(space + 1, space2 - space - 1));
    std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
        auto next = head.find("\r\n", pos);
        if (next == std::string_view::npos) next = head.size();
        std::string_view field = head.substr(pos, next - pos);
        pos = next + 2;
        auto colon = field.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view value = field.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        request.headers.emplace_back(std::string(field.substr(0, colon)), std::string(value));
    }
    m_buffer.erase(0, end + 4);
    std::size_t length = 0;
    if (auto value = header_value(request.headers, "Content-Length")) length = std::strtoull(value->c_str(), nullptr, 10);
    while (m_buffer.size() < length)
        if (!fill()) return std::nullopt;
    request.body = m_buffer.substr(0, length);
    m_buffer.erase(0, length);
    m_server.record(request);
    return request;
}

// A Content-Length answer.
inline std::string answer(int status, const std::string& body, const std::string& extra_headers = "") {
    std::string reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Status";
    return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n" + extra_headers + "\r\n" + body;
}

inline std::string chunk(const std::string& data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx", data.size());
    return std::string(size) + "\r\n" + data + "\r\n";
}

// A keep-alive server answering every request on a connection with `make(request)`.
inline TestServer::Script serve_all(std::function<std::string(const SeenRequest&)> make) {
    return [make = std::move(make)](Conn& conn) {
        while (auto request = conn.read_request()) {
            if (!conn.send(make(*request))) return;
        }
    };
}

// ---------------------------------------------------------------------------
// Fibers on a loop of the test thread.

// Runs `bodies` as fibers on a new loop until all have returned or `limit`
// has passed (a watchdog wakes a loop idle in epoll at the limit). Returns
// whether all returned.
inline bool run_fibers(const std::vector<std::function<void()>>& bodies, std::chrono::milliseconds limit = 10s) {
    auto created = io::Loop::create();
    REQUIRE(created);
    std::unique_ptr<io::Loop> loop = std::move(*created);
    std::size_t finished = 0;
    for (const auto& body : bodies)
        loop->spawn([&finished, &body] {
            body();
            ++finished;
        });
    auto deadline = std::chrono::steady_clock::now() + limit;
    std::mutex mutex;
    std::condition_variable cv;
    bool over = false;
    std::thread watchdog([&] {
        std::unique_lock lock(mutex);
        if (!cv.wait_until(lock, deadline, [&] { return over; })) loop->post([] {});
    });
    loop->run([&] { return finished == bodies.size() || std::chrono::steady_clock::now() >= deadline; });
    {
        std::lock_guard lock(mutex);
        over = true;
    }
    cv.notify_all();
    watchdog.join();
    return finished == bodies.size();
}

inline bool run_fiber(const std::function<void()>& body, std::chrono::milliseconds limit = 10s) {
    return run_fibers({body}, limit);
}

// Whether this process sends plain http:// through libcurl whatever the
// context (then the native path cannot be checked here).
inline bool curl_forced() {
    const char* choice = std::getenv("MEGAROUTER_UPSTREAM");
    if (choice && std::strcmp(choice, "curl") == 0) return true;
    for (const char* name : {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"})
        if (const char* value = std::getenv(name); value && *value) return true;
    return false;
}

inline HttpRequest get(const std::string& url) {
    HttpRequest request;
    request.method = "GET";
    request.url = url;
    return request;
}

// One call's result as recorded in a fiber.
struct Call {
    std::optional<Result<HttpResponse>> result;
    std::int64_t elapsed_ms = 0;
    bool native = false; // plain::handles(url) in the calling context

    void make(const HttpRequest& request, const SendOptions& options = {}) {
        native = plain::handles(request.url);
        auto start = now_us();
        result = UpstreamClient::shared().send(request, options);
        elapsed_ms = ms_since(start);
    }
    bool ok() const { return result && result->has_value(); }
    const HttpResponse& response() const { return result->value(); }
    const Error& error() const { return result->error(); }
};

// Checks that the call failed with `code`.
inline void check_failed(const Call& call, ErrorCode code) {
    REQUIRE(call.result);
    REQUIRE_MESSAGE(!call.ok(), "expected ", to_string(code), ", got status ", call.response().status);
    CHECK_MESSAGE(call.error().code == code, "expected ", to_string(code), ", got ", to_string(call.error().code), ": ",
                  call.error().message);
}

inline void check_native(const Call& call) {
    if (!curl_forced()) CHECK(call.native);
}

// A fiber body that sets `flag` `after_ms` after it starts and notes in
// `set_at_ms` when that was, counted from `start_us`.
inline std::function<void()> set_after(std::atomic<bool>& flag, int after_ms, std::int64_t start_us,
                                       std::int64_t& set_at_ms) {
    return [&flag, after_ms, start_us, &set_at_ms] {
        io::sleep_until(now_us() + std::int64_t{after_ms} * 1000);
        set_at_ms = ms_since(start_us);
        flag = true;
    };
}

} // namespace plain_http_test
