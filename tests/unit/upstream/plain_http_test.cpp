// The upstream client's native HTTP/1.1 path (src/upstream/plain_http.cpp),
// taken by UpstreamClient::send for http:// URLs when the caller runs in a
// fiber on an io::Loop, checked against the contract in
// megarouter/upstream/client.hpp. The upstream is a small raw-socket server
// written here, scripted per connection, so the tests control framing,
// timing and connection closes byte for byte.
//
// Assertions stay outside fibers: a REQUIRE throwing inside a fiber would be
// swallowed by the loop, so fibers record what they saw and the test case
// checks it after the loop returns. Every wait is bounded in time.
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

using namespace megarouter;
using namespace megarouter::upstream;
using namespace std::chrono_literals;

namespace {

std::int64_t now_us() { return core::monotonic_us(); }
std::int64_t ms_since(std::int64_t start_us) { return (now_us() - start_us) / 1000; }

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

std::optional<SeenRequest> Conn::read_request(int timeout_ms) {
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
std::string answer(int status, const std::string& body, const std::string& extra_headers = "") {
    std::string reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Status";
    return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n" + extra_headers + "\r\n" + body;
}

std::string chunk(const std::string& data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx", data.size());
    return std::string(size) + "\r\n" + data + "\r\n";
}

// A keep-alive server answering every request on a connection with `make(request)`.
TestServer::Script serve_all(std::function<std::string(const SeenRequest&)> make) {
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
bool run_fibers(const std::vector<std::function<void()>>& bodies, std::chrono::milliseconds limit = 10s) {
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

bool run_fiber(const std::function<void()>& body, std::chrono::milliseconds limit = 10s) {
    return run_fibers({body}, limit);
}

// Whether this process sends plain http:// through libcurl whatever the
// context (then the native path cannot be checked here).
bool curl_forced() {
    const char* choice = std::getenv("MEGAROUTER_UPSTREAM");
    if (choice && std::strcmp(choice, "curl") == 0) return true;
    for (const char* name : {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"})
        if (const char* value = std::getenv(name); value && *value) return true;
    return false;
}

HttpRequest get(const std::string& url) {
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
void check_failed(const Call& call, ErrorCode code) {
    REQUIRE(call.result);
    REQUIRE_MESSAGE(!call.ok(), "expected ", to_string(code), ", got status ", call.response().status);
    CHECK_MESSAGE(call.error().code == code, "expected ", to_string(code), ", got ", to_string(call.error().code), ": ",
                  call.error().message);
}

void check_native(const Call& call) {
    if (!curl_forced()) CHECK(call.native);
}

} // namespace

TEST_CASE("plain http: a Content-Length answer") {
    TestServer server(serve_all([](const SeenRequest&) {
        return answer(200, R"({"ok":true})", "Content-Type: application/json\r\nX-Test:  spaced value \r\n");
    }));
    Call call;
    REQUIRE(run_fiber([&] { call.make(get(server.url("/v1/models?x=1"))); }));
    check_native(call);
    REQUIRE(call.result);
    REQUIRE_MESSAGE(call.ok(), call.error().message);
    const auto& response = call.response();
    CHECK(response.status == 200);
    CHECK(response.body == R"({"ok":true})");
    CHECK(response.http_version == "1.1");
    CHECK(header_value(response.headers, "content-type") == "application/json");
    CHECK(header_value(response.headers, "x-test") == "spaced value");
    CHECK(header_value(response.headers, "Content-Length") == "11");
    auto seen = server.requests();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].method == "GET");
    CHECK(seen[0].target == "/v1/models?x=1");
    CHECK(header_value(seen[0].headers, "Host") == server.authority());
}

TEST_CASE("plain http: a chunked 2xx answer streams to on_chunk in order") {
    TestServer server([](Conn& conn) {
        if (!conn.read_request()) return;
        conn.send("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (const char* piece : {"data: one\n\n", "data: two\n\n", "data: three\n\n"}) {
            if (!conn.pause(60)) return;
            conn.send(chunk(piece));
        }
        conn.pause(60);
        conn.send("0\r\n\r\n");
        conn.wait_closed();
    });
    Call call;
    std::vector<std::string> pieces;
    std::vector<std::int64_t> arrivals;
    std::int64_t start = 0;
    ChunkCallback on_chunk = [&](std::string_view bytes) {
        pieces.emplace_back(bytes);
        arrivals.push_back(ms_since(start));
        return true;
    };
    SendOptions options;
    options.on_chunk = &on_chunk;
    REQUIRE(run_fiber([&] {
        start = now_us();
        call.make(get(server.url("/stream")), options);
    }));
    check_native(call);
    REQUIRE(call.result);
    REQUIRE_MESSAGE(call.ok(), call.error().message);
    CHECK(call.response().status == 200);
    CHECK(call.response().body.empty());
    std::string all;
    for (const auto& piece : pieces) all += piece;
    CHECK(all == "data: one\n\ndata: two\n\ndata: three\n\n");
    REQUIRE(pieces.size() >= 3); // separate writes with pauses between: separate deliveries
    CHECK(pieces.front() == "data: one\n\n");
    CHECK(pieces.back() == "data: three\n\n");
    CHECK(arrivals.back() - arrivals.front() >= 80); // delivered as they came, not at the end
}

TEST_CASE("plain http: a non-2xx answer is buffered even with on_chunk set") {
    TestServer server([](Conn& conn) {
        auto request = conn.read_request();
        if (!request) return;
        if (request->target == "/length") {
            conn.send(answer(500, R"({"error":{"message":"boom"}})"));
        }
        request = conn.read_request();
        if (!request) return;
        conn.send("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
        conn.pause(30);
        conn.send(chunk(R"({"error":)") + chunk(R"("slow down"})") + "0\r\n\r\n");
        conn.wait_closed();
    });
    int calls = 0;
    ChunkCallback on_chunk = [&](std::string_view) {
        ++calls;
        return true;
    };
    SendOptions options;
    options.on_chunk = &on_chunk;
    Call length, chunked;
    REQUIRE(run_fiber([&] {
        length.make(get(server.url("/length")), options);
        chunked.make(get(server.url("/chunked")), options);
    }));
    check_native(length);
    REQUIRE(length.result);
    REQUIRE_MESSAGE(length.ok(), length.error().message);
    CHECK(length.response().status == 500);
    CHECK(length.response().body == R"({"error":{"message":"boom"}})");
    REQUIRE(chunked.result);
    REQUIRE_MESSAGE(chunked.ok(), chunked.error().message);
    CHECK(chunked.response().status == 429);
    CHECK(chunked.response().body == R"({"error":"slow down"})");
    CHECK(header_value(chunked.response().headers, "retry-after") == "3");
    CHECK(calls == 0);
}

TEST_CASE("plain http: a body delimited by the end of the connection") {
    TestServer server([](Conn& conn) {
        if (!conn.read_request()) return;
        conn.send("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nfirst part, ");
        conn.pause(40);
        conn.send("second part");
        conn.close();
    });
    Call call;
    REQUIRE(run_fiber([&] { call.make(get(server.url("/close"))); }));
    check_native(call);
    REQUIRE(call.result);
    REQUIRE_MESSAGE(call.ok(), call.error().message);
    CHECK(call.response().status == 200);
    CHECK(call.response().body == "first part, second part");

    SUBCASE("streamed to on_chunk") {
        std::string streamed;
        ChunkCallback on_chunk = [&](std::string_view bytes) {
            streamed += bytes;
            return true;
        };
        SendOptions options;
        options.on_chunk = &on_chunk;
        Call again;
        REQUIRE(run_fiber([&] { again.make(get(server.url("/close")), options); }));
        REQUIRE(again.result);
        REQUIRE_MESSAGE(again.ok(), again.error().message);
        CHECK(again.response().body.empty());
        CHECK(streamed == "first part, second part");
        CHECK(server.connections() == 2); // Connection: close is not pooled
    }
}

TEST_CASE("plain http: sequential calls reuse one keep-alive connection") {
    TestServer server(serve_all([](const SeenRequest& request) { return answer(200, "answer to " + request.target); }));
    std::vector<Call> calls(3);
    REQUIRE(run_fiber([&] {
        for (std::size_t i = 0; i < calls.size(); ++i) calls[i].make(get(server.url("/n" + std::to_string(i))));
    }));
    for (std::size_t i = 0; i < calls.size(); ++i) {
        CAPTURE(i);
        check_native(calls[i]);
        REQUIRE(calls[i].result);
        REQUIRE_MESSAGE(calls[i].ok(), calls[i].error().message);
        CHECK(calls[i].response().body == "answer to /n" + std::to_string(i));
    }
    CHECK(server.connections() == 1);
    auto seen = server.requests();
    REQUIRE(seen.size() == 3);
    for (const auto& request : seen) CHECK(request.connection == 0);
}

TEST_CASE("plain http: a chunked answer and a POST keep the connection reusable") {
    TestServer server([](Conn& conn) {
        while (auto request = conn.read_request()) {
            if (request->target == "/chunked")
                conn.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk("abc") + chunk("def") +
                          "0\r\nX-Trailer: t\r\n\r\n");
            else
                conn.send(answer(200, "echo:" + request->body));
        }
    });
    Call first, second, third;
    HttpRequest post;
    post.url = server.url("/post");
    post.body = "payload";
    REQUIRE(run_fiber([&] {
        first.make(get(server.url("/chunked")));
        second.make(post);
        third.make(get(server.url("/chunked")));
    }));
    for (Call* call : {&first, &second, &third}) {
        REQUIRE(call->result);
        REQUIRE_MESSAGE(call->ok(), call->error().message);
    }
    CHECK(first.response().body == "abcdef");
    CHECK(second.response().body == "echo:payload");
    CHECK(third.response().body == "abcdef");
    CHECK(server.connections() == 1);
}

TEST_CASE("plain http: a pooled connection the server closed is replaced by a fresh one") {
    bool with_reset = false;
    SUBCASE("closed with FIN") { with_reset = false; }
    SUBCASE("closed with RST") { with_reset = true; }
    CAPTURE(with_reset);
    TestServer server([with_reset](Conn& conn) {
        auto request = conn.read_request();
        if (!request) return;
        // Keep-alive by the headers, but the server closes right after answering.
        conn.send(answer(200, "from connection " + std::to_string(conn.index())));
        if (conn.index() == 0) {
            conn.pause(20);
            if (with_reset)
                conn.reset();
            else
                conn.close();
            return;
        }
        while ((request = conn.read_request())) conn.send(answer(200, "from connection " + std::to_string(conn.index())));
    });
    Call first, second, third;
    REQUIRE(run_fiber([&] {
        first.make(get(server.url("/a")));
        io::sleep_until(now_us() + 150'000); // let the close arrive while the connection sits in the pool
        second.make(get(server.url("/b")));
        third.make(get(server.url("/c")));
    }));
    check_native(first);
    for (Call* call : {&first, &second, &third}) {
        REQUIRE(call->result);
        REQUIRE_MESSAGE(call->ok(), call->error().message);
        CHECK(call->response().status == 200);
    }
    CHECK(first.response().body == "from connection 0");
    CHECK(second.response().body == "from connection 1");
    CHECK(third.response().body == "from connection 1"); // the fresh connection went back to the pool
    CHECK(server.connections() == 2);
    auto seen = server.requests();
    REQUIRE(seen.size() == 3);
    CHECK(seen[1].target == "/b");
    CHECK(seen[1].connection == 1);
}

TEST_CASE("plain http: bytes that arrive on an idle pooled connection are not the next call's answer") {
    // Some servers say goodbye to an idle keep-alive connection with an
    // unsolicited "408 Request Timeout" before closing it. That answer
    // belongs to no request: the next call must not return it as its own
    // answer, but drop the connection and go to a fresh one.
    TestServer server([](Conn& conn) {
        auto request = conn.read_request();
        if (!request) return;
        conn.send(answer(200, "answer on connection " + std::to_string(conn.index())));
        if (conn.index() == 0) {
            conn.pause(30);
            conn.send("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
            conn.close();
            return;
        }
        while ((request = conn.read_request())) conn.send(answer(200, "answer on connection " + std::to_string(conn.index())));
    });
    Call first, second;
    REQUIRE(run_fiber([&] {
        first.make(get(server.url("/a")));
        io::sleep_until(now_us() + 150'000); // the 408 and the close arrive while pooled
        second.make(get(server.url("/b")));
    }));
    check_native(first);
    REQUIRE(first.result);
    REQUIRE_MESSAGE(first.ok(), first.error().message);
    REQUIRE(second.result);
    REQUIRE_MESSAGE(second.ok(), second.error().message);
    CHECK(second.response().status == 200);
    CHECK(second.response().body == "answer on connection 1");
}

TEST_CASE("plain http: pooled connections belong to their loop") {
    TestServer server(serve_all([](const SeenRequest& request) { return answer(200, request.target); }));
    Call first, second;
    REQUIRE(run_fiber([&] { first.make(get(server.url("/one"))); }));
    // The loop is gone: its pooled connection is closed, and the server sees that.
    for (int i = 0; i < 100 && server.finished() < 1; ++i) std::this_thread::sleep_for(20ms);
    CHECK(server.finished() == 1);
    // A new loop on the same thread opens its own connection.
    REQUIRE(run_fiber([&] { second.make(get(server.url("/two"))); }));
    for (Call* call : {&first, &second}) {
        REQUIRE(call->result);
        REQUIRE_MESSAGE(call->ok(), call->error().message);
    }
    CHECK(second.response().body == "/two");
    CHECK(server.connections() == 2);
}

TEST_CASE("plain http: concurrent fibers use separate connections, later fibers reuse them") {
    TestServer server([](Conn& conn) {
        while (auto request = conn.read_request()) {
            if (request->target.starts_with("/slow")) conn.pause(150);
            conn.send(answer(200, request->target + " on " + std::to_string(conn.index())));
        }
    });
    Call a, b, c, d;
    bool first_round_done = false;
    int first_round = 0;
    REQUIRE(run_fibers({
        [&] {
            a.make(get(server.url("/slow-a")));
            if (++first_round == 2) first_round_done = true;
        },
        [&] {
            b.make(get(server.url("/slow-b")));
            if (++first_round == 2) first_round_done = true;
        },
        [&] {
            while (!first_round_done) io::sleep_until(now_us() + 20'000);
            c.make(get(server.url("/c")));
        },
        [&] {
            while (!first_round_done) io::sleep_until(now_us() + 20'000);
            d.make(get(server.url("/d")));
        },
    }));
    for (Call* call : {&a, &b, &c, &d}) {
        REQUIRE(call->result);
        REQUIRE_MESSAGE(call->ok(), call->error().message);
        CHECK(call->response().status == 200);
    }
    CHECK(a.response().body.starts_with("/slow-a on "));
    CHECK(b.response().body.starts_with("/slow-b on "));
    CHECK(a.elapsed_ms < 600); // the two slow calls overlapped instead of queueing
    CHECK(b.elapsed_ms < 600);
    CHECK(server.connections() == 2);
    CHECK(server.requests().size() == 4);
}

TEST_CASE("plain http: framing variants") {
    SUBCASE("interim 100 Continue before the answer") {
        TestServer server(serve_all([](const SeenRequest&) {
            return "HTTP/1.1 100 Continue\r\n\r\n" + answer(201, "created", "X-After: interim\r\n");
        }));
        Call first, second;
        REQUIRE(run_fiber([&] {
            first.make(get(server.url("/a")));
            second.make(get(server.url("/b")));
        }));
        for (Call* call : {&first, &second}) {
            REQUIRE(call->result);
            REQUIRE_MESSAGE(call->ok(), call->error().message);
            CHECK(call->response().status == 201);
            CHECK(call->response().body == "created");
            CHECK(header_value(call->response().headers, "x-after") == "interim");
        }
        CHECK(server.connections() == 1);
    }
    SUBCASE("HTTP/1.0 answers are not kept alive") {
        TestServer server([](Conn& conn) {
            if (!conn.read_request()) return;
            conn.send("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello");
            conn.wait_closed();
        });
        Call first, second;
        REQUIRE(run_fiber([&] {
            first.make(get(server.url("/a")));
            second.make(get(server.url("/b")));
        }));
        for (Call* call : {&first, &second}) {
            REQUIRE(call->result);
            REQUIRE_MESSAGE(call->ok(), call->error().message);
            CHECK(call->response().status == 200);
            CHECK(call->response().body == "hello");
            CHECK(call->response().http_version == "1.0");
        }
        CHECK(server.connections() == 2);
    }
    SUBCASE("a head split across writes, a large body, an empty body and 204") {
        std::string big(300'000, 'b');
        for (std::size_t i = 0; i < big.size(); i += 1000) big[i] = static_cast<char>('a' + (i / 1000) % 26);
        TestServer server([&big](Conn& conn) {
            while (auto request = conn.read_request()) {
                if (request->target == "/split") {
                    conn.send("HTTP/1.1 200 OK\r\nX-Split: y");
                    conn.pause(30);
                    conn.send("es\r\nContent-Length: 4\r\n\r");
                    conn.pause(30);
                    conn.send("\nbody");
                } else if (request->target == "/big") {
                    conn.send(answer(200, big));
                } else if (request->target == "/empty") {
                    conn.send(answer(200, ""));
                } else {
                    conn.send("HTTP/1.1 204 No Content\r\n\r\n");
                }
            }
        });
        Call split, large, empty, none, after;
        REQUIRE(run_fiber([&] {
            split.make(get(server.url("/split")));
            large.make(get(server.url("/big")));
            empty.make(get(server.url("/empty")));
            none.make(get(server.url("/nothing")));
            after.make(get(server.url("/split")));
        }));
        for (Call* call : {&split, &large, &empty, &none, &after}) {
            REQUIRE(call->result);
            REQUIRE_MESSAGE(call->ok(), call->error().message);
        }
        CHECK(header_value(split.response().headers, "x-split") == "yes");
        CHECK(split.response().body == "body");
        CHECK(large.response().body == big);
        CHECK(empty.response().status == 200);
        CHECK(empty.response().body.empty());
        CHECK(none.response().status == 204);
        CHECK(after.response().body == "body");
        CHECK(server.connections() == 1);
    }
    SUBCASE("a connection closed mid-body is an error naming the status") {
        TestServer server([](Conn& conn) {
            if (!conn.read_request()) return;
            conn.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
            conn.close();
        });
        Call call;
        REQUIRE(run_fiber([&] { call.make(get(server.url("/cut"))); }));
        check_failed(call, ErrorCode::upstream_unavailable);
        CHECK(call.error().retryable);
        CHECK(call.error().upstream_status == 200);
    }
    SUBCASE("malformed chunked framing is an error") {
        TestServer server([](Conn& conn) {
            if (!conn.read_request()) return;
            conn.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
            conn.wait_closed();
        });
        Call call;
        REQUIRE(run_fiber([&] { call.make(get(server.url("/bad"))); }));
        check_failed(call, ErrorCode::upstream_unavailable);
    }
}

TEST_CASE("plain http: the server closing a fresh connection without answering is an error, not a retry loop") {
    TestServer server([](Conn& conn) {
        if (conn.read_request()) conn.close();
    });
    Call call;
    REQUIRE(run_fiber([&] { call.make(get(server.url("/x"))); }));
    check_failed(call, ErrorCode::upstream_unavailable);
    CHECK(call.error().retryable);
    CHECK(server.connections() == 1);
}

TEST_CASE("plain http: first-byte timeout when the server never answers") {
    TestServer server([](Conn& conn) {
        if (conn.read_request()) conn.wait_closed();
    });
    SendOptions options;
    options.timeouts.first_byte_ms = 200;
    Call call;
    REQUIRE(run_fiber([&] { call.make(get(server.url("/hang")), options); }));
    check_native(call);
    check_failed(call, ErrorCode::upstream_timeout);
    CHECK(call.error().retryable);
    CHECK(call.elapsed_ms >= 190);
    CHECK(call.elapsed_ms < 2000);
    CHECK(call.error().message.find(server.authority()) != std::string::npos);
}

TEST_CASE("plain http: idle timeout when the body stalls") {
    std::atomic<bool> client_closed{false};
    TestServer server([&](Conn& conn) {
        if (!conn.read_request()) return;
        conn.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
        conn.pause(50);
        conn.send("abcdefghij");
        client_closed = conn.wait_closed();
    });
    SendOptions options;
    options.timeouts.first_byte_ms = 5000;
    options.timeouts.idle_ms = 250;
    Call call;
    REQUIRE(run_fiber([&] { call.make(get(server.url("/stall")), options); }));
    check_native(call);
    check_failed(call, ErrorCode::upstream_timeout);
    CHECK(call.error().retryable);
    CHECK(call.elapsed_ms >= 290); // 50 ms of body, then 250 ms of silence
    CHECK(call.elapsed_ms < 2000);
    // The half-read connection is closed, not pooled.
    for (int i = 0; i < 100 && server.finished() < 1; ++i) std::this_thread::sleep_for(20ms);
    CHECK(client_closed.load());
}

TEST_CASE("plain http: total timeout while the body trickles") {
    TestServer server([](Conn& conn) {
        if (!conn.read_request()) return;
        conn.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 60; ++i) // about 3 s at most
            if (!conn.pause(50) || !conn.send(chunk("x"))) return;
    });
    SendOptions options;
    options.timeouts.idle_ms = 1000;
    options.timeouts.total_ms = 400;
    Call call;
    REQUIRE(run_fiber([&] { call.make(get(server.url("/trickle")), options); }));
    check_failed(call, ErrorCode::upstream_timeout);
    CHECK(call.elapsed_ms >= 390);
    CHECK(call.elapsed_ms < 2500);
}

TEST_CASE("plain http: cancellation") {
    SUBCASE("the cancel flag set by another fiber before the first byte") {
        TestServer server([](Conn& conn) {
            if (conn.read_request()) conn.wait_closed();
        });
        std::atomic<bool> cancel{false};
        SendOptions options;
        options.cancel = &cancel;
        Call call;
        std::int64_t cancelled_at = 0, start = now_us();
        REQUIRE(run_fibers({
            [&] { call.make(get(server.url("/slow")), options); },
            [&] {
                io::sleep_until(now_us() + 150'000);
                cancelled_at = ms_since(start);
                cancel = true;
            },
        }));
        check_native(call);
        check_failed(call, ErrorCode::cancelled);
        CHECK(call.elapsed_ms >= 140);
        CHECK(call.elapsed_ms - cancelled_at < 1000); // "within ~100 ms", with slack for a busy machine
    }
    SUBCASE("the cancel flag set mid-stream") {
        TestServer server([](Conn& conn) {
            if (!conn.read_request()) return;
            conn.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk("first"));
            conn.wait_closed();
        });
        std::atomic<bool> cancel{false};
        std::string streamed;
        ChunkCallback on_chunk = [&](std::string_view bytes) {
            streamed += bytes;
            return true;
        };
        SendOptions options;
        options.cancel = &cancel;
        options.on_chunk = &on_chunk;
        Call call;
        REQUIRE(run_fibers({
            [&] { call.make(get(server.url("/stream")), options); },
            [&] {
                io::sleep_until(now_us() + 200'000);
                cancel = true;
            },
        }));
        check_failed(call, ErrorCode::cancelled);
        CHECK(streamed == "first");
        CHECK(call.elapsed_ms < 1500);
    }
    SUBCASE("on_chunk returning false") {
        TestServer server([](Conn& conn) {
            if (!conn.read_request()) return;
            conn.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk("one"));
            conn.pause(50);
            conn.send(chunk("two"));
            conn.pause(50);
            conn.send(chunk("three") + "0\r\n\r\n");
            conn.wait_closed();
        });
        std::vector<std::string> pieces;
        ChunkCallback on_chunk = [&](std::string_view bytes) {
            pieces.emplace_back(bytes);
            return pieces.size() < 2;
        };
        SendOptions options;
        options.on_chunk = &on_chunk;
        Call call;
        REQUIRE(run_fiber([&] { call.make(get(server.url("/stream")), options); }));
        check_failed(call, ErrorCode::cancelled);
        REQUIRE(pieces.size() == 2);
        CHECK(pieces[0] == "one");
        CHECK(pieces[1] == "two");
    }
    SUBCASE("on_chunk returning false on a Content-Length answer") {
        TestServer server(serve_all([](const SeenRequest&) { return answer(200, "whole body"); }));
        ChunkCallback on_chunk = [](std::string_view) { return false; };
        SendOptions options;
        options.on_chunk = &on_chunk;
        Call call, after;
        REQUIRE(run_fiber([&] {
            call.make(get(server.url("/a")), options);
            after.make(get(server.url("/b"))); // works, on a connection that is not mid-answer
        }));
        check_failed(call, ErrorCode::cancelled);
        REQUIRE(after.result);
        REQUIRE_MESSAGE(after.ok(), after.error().message);
        CHECK(after.response().body == "whole body");
    }
}

namespace {

// A listening socket whose accept queue is full: further SYNs to its port are
// dropped, so a connect() there stays pending (the kernel retries the SYN
// after 1 s, 3 s, ...). For connect timeouts without a real blackhole.
struct FullListener {
    int listener = -1;
    std::vector<int> fillers;
    int port = 0;

    FullListener() {
        listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(listener >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(listener, 0) == 0);
        socklen_t length = sizeof address;
        REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        port = ntohs(address.sin_port);
        for (int i = 0; i < 3; ++i) {
            int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            REQUIRE(fd >= 0);
            ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
            fillers.push_back(fd);
        }
        std::this_thread::sleep_for(50ms);
    }
    ~FullListener() {
        for (int fd : fillers) ::close(fd);
        ::close(listener);
    }
    // Whether one more connect() stays pending for `ms` (the trick works here).
    bool connect_hangs(int ms) const {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
        bool pending = rc != 0 && errno == EINPROGRESS;
        if (pending) {
            pollfd p{fd, POLLOUT, 0};
            pending = ::poll(&p, 1, ms) == 0;
        }
        ::close(fd);
        return pending;
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/v1/models"; }
};

} // namespace

TEST_CASE("plain http: a connect that does not complete") {
    FullListener full;
    if (!full.connect_hangs(200)) {
        MESSAGE("connect() to a full accept queue completes here; skipping");
        return;
    }
    SUBCASE("connect_ms") {
        SendOptions options;
        options.timeouts.connect_ms = 250;
        Call call;
        REQUIRE(run_fiber([&] { call.make(get(full.url()), options); }));
        check_native(call);
        check_failed(call, ErrorCode::upstream_timeout);
        CHECK(call.error().retryable);
        CHECK(call.elapsed_ms >= 240);
        CHECK(call.elapsed_ms < 2000);
    }
    SUBCASE("total_ms bounds the connect too") {
        SendOptions options;
        options.timeouts.connect_ms = 5000;
        options.timeouts.total_ms = 250;
        Call call;
        REQUIRE(run_fiber([&] { call.make(get(full.url()), options); }));
        check_failed(call, ErrorCode::upstream_timeout);
        CHECK(call.elapsed_ms >= 240);
        CHECK(call.elapsed_ms < 2000);
    }
    SUBCASE("the cancel flag stops a pending connect") {
        std::atomic<bool> cancel{false};
        SendOptions options;
        options.timeouts.connect_ms = 4000;
        options.cancel = &cancel;
        Call call;
        std::int64_t start = now_us(), cancelled_at = 0;
        REQUIRE(run_fibers({
            [&] { call.make(get(full.url()), options); },
            [&] {
                io::sleep_until(now_us() + 150'000);
                cancelled_at = ms_since(start);
                cancel = true;
            },
        }));
        check_failed(call, ErrorCode::cancelled);
        CHECK(call.elapsed_ms - cancelled_at < 1000); // "stops within ~100 ms", with slack
    }
}

TEST_CASE("plain http: a request body the server does not read") {
    // The server accepts but never reads, so the request body fills the
    // socket buffers and the write blocks. The call's deadlines and the
    // cancel flag must still end it, as they do while waiting for an answer.
    TestServer server([](Conn& conn) { conn.pause(8000); });
    HttpRequest request;
    request.url = server.url("/upload");
    request.body = std::string(32 * 1024 * 1024, 'u'); // more than loopback socket buffers hold
    SUBCASE("first_byte_ms") {
        SendOptions options;
        options.timeouts.first_byte_ms = 300;
        options.timeouts.total_ms = 4000; // keeps the test bounded either way
        Call call;
        REQUIRE(run_fiber([&] { call.make(request, options); }));
        check_native(call);
        check_failed(call, ErrorCode::upstream_timeout);
        CHECK(call.elapsed_ms < 2000);
    }
    SUBCASE("total_ms") {
        SendOptions options;
        options.timeouts.total_ms = 500;
        Call call;
        REQUIRE(run_fiber([&] { call.make(request, options); }));
        check_failed(call, ErrorCode::upstream_timeout); // a deadline, not a closed connection
        CHECK(call.error().retryable);
        CHECK(call.elapsed_ms >= 490);
        CHECK(call.elapsed_ms < 2500);
    }
    SUBCASE("cancel") {
        std::atomic<bool> cancel{false};
        SendOptions options;
        options.timeouts.total_ms = 4000;
        options.cancel = &cancel;
        Call call;
        std::int64_t start = now_us(), cancelled_at = 0;
        REQUIRE(run_fibers({
            [&] { call.make(request, options); },
            [&] {
                io::sleep_until(now_us() + 200'000);
                cancelled_at = ms_since(start);
                cancel = true;
            },
        }));
        check_failed(call, ErrorCode::cancelled);
        CHECK(call.elapsed_ms - cancelled_at < 1000);
    }
}

TEST_CASE("plain http: a host name is resolved") {
    TestServer server(serve_all([](const SeenRequest&) { return answer(200, "by name"); }));
    std::string authority = "localhost:" + std::to_string(server.port());
    Call call;
    REQUIRE(run_fiber([&] { call.make(get("http://" + authority + "/x")); }));
    check_native(call);
    REQUIRE(call.result);
    REQUIRE_MESSAGE(call.ok(), call.error().message);
    CHECK(call.response().body == "by name");
    auto seen = server.requests();
    REQUIRE(seen.size() == 1);
    CHECK(header_value(seen[0].headers, "Host") == authority);
}

TEST_CASE("plain http: a refused connection is upstream_unavailable and retryable") {
    // A bound socket that does not listen: connecting to its port is refused.
    int holder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(holder >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    std::string authority = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
    Call call;
    bool ran = run_fiber([&] { call.make(get("http://" + authority + "/v1/chat?api_key=secret-in-query")); });
    ::close(holder);
    REQUIRE(ran);
    check_native(call);
    check_failed(call, ErrorCode::upstream_unavailable);
    CHECK(call.error().retryable);
    CHECK(call.error().message.find(authority) != std::string::npos);
    CHECK(call.error().message.find("secret-in-query") == std::string::npos);
    CHECK(call.elapsed_ms < 2000);
}

TEST_CASE("plain http: max_response_bytes") {
    TestServer server([](Conn& conn) {
        while (auto request = conn.read_request()) {
            std::string big(1000, 'z');
            if (request->target == "/length")
                conn.send(answer(200, big));
            else if (request->target == "/chunked")
                conn.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(big) + "0\r\n\r\n");
            else if (request->target == "/error")
                conn.send(answer(500, big));
            else
                conn.send(answer(200, "small"));
        }
    });
    SendOptions options;
    options.max_response_bytes = 100;
    std::string streamed;
    ChunkCallback on_chunk = [&](std::string_view bytes) {
        streamed += bytes;
        return true;
    };
    SendOptions streaming = options;
    streaming.on_chunk = &on_chunk;
    Call length, chunked, error, small, stream;
    REQUIRE(run_fiber([&] {
        length.make(get(server.url("/length")), options);
        chunked.make(get(server.url("/chunked")), options);
        error.make(get(server.url("/error")), streaming); // non-2xx: buffered, so limited
        small.make(get(server.url("/small")), options);
        stream.make(get(server.url("/length")), streaming); // streamed 2xx: not limited
    }));
    check_native(length);
    check_failed(length, ErrorCode::payload_too_large);
    check_failed(chunked, ErrorCode::payload_too_large);
    check_failed(error, ErrorCode::payload_too_large);
    REQUIRE(small.result);
    REQUIRE_MESSAGE(small.ok(), small.error().message);
    CHECK(small.response().body == "small");
    REQUIRE(stream.result);
    REQUIRE_MESSAGE(stream.ok(), stream.error().message);
    CHECK(streamed == std::string(1000, 'z'));
}

TEST_CASE("plain http: a request body arrives with Content-Length, Host and the caller's headers") {
    TestServer server(serve_all([](const SeenRequest&) { return answer(200, "{}"); }));
    HttpRequest request;
    request.method = "POST";
    request.url = server.url("/v1/chat/completions?api-version=1");
    request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer sk-test"}, {"X-Custom", "custom value"}};
    // The native path frames the request itself: a caller's Host and
    // Content-Length are dropped. (libcurl sends them as given, so this part
    // only holds on the native path.)
    if (!curl_forced()) {
        request.headers.emplace_back("Host", "spoofed.example");
        request.headers.emplace_back("Content-Length", "999");
    }
    request.body = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})" + std::string(20'000, ' ');
    HttpRequest put = request;
    put.method = "PUT";
    put.body = "short";
    Call call, call_put;
    REQUIRE(run_fiber([&] {
        call.make(request);
        call_put.make(put);
    }));
    check_native(call);
    REQUIRE(call.result);
    REQUIRE_MESSAGE(call.ok(), call.error().message);
    REQUIRE(call_put.result);
    REQUIRE_MESSAGE(call_put.ok(), call_put.error().message);
    auto seen = server.requests();
    REQUIRE(seen.size() == 2);
    const auto& got = seen[0];
    CHECK(got.method == "POST");
    CHECK(got.target == "/v1/chat/completions?api-version=1");
    CHECK(got.body == request.body);
    CHECK(header_value(got.headers, "Content-Length") == std::to_string(request.body.size()));
    CHECK(header_value(got.headers, "Host") == server.authority());
    CHECK(header_value(got.headers, "Content-Type") == "application/json");
    CHECK(header_value(got.headers, "Authorization") == "Bearer sk-test");
    CHECK(header_value(got.headers, "X-Custom") == "custom value");
    int hosts = 0, lengths = 0;
    for (const auto& [name, value] : got.headers) {
        if (strcasecmp(name.c_str(), "Host") == 0) ++hosts;
        if (strcasecmp(name.c_str(), "Content-Length") == 0) ++lengths;
    }
    CHECK(hosts == 1);
    CHECK(lengths == 1);
    CHECK(seen[1].method == "PUT");
    CHECK(seen[1].body == "short");
    CHECK(header_value(seen[1].headers, "Content-Length") == "5");
}

TEST_CASE("plain http: the native path and libcurl agree") {
    TestServer server([](Conn& conn) {
        while (auto request = conn.read_request()) {
            if (request->target == "/json")
                conn.send(answer(200, R"({"id":"x","echo":")" + request->body + R"("})", "X-Test: yes\r\n"));
            else if (request->target == "/stream")
                conn.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Test: yes\r\n\r\n" + chunk("data: a\n\n") +
                          chunk("data: b\n\n") + "0\r\n\r\n");
            else
                conn.send(answer(404, R"({"error":"no such thing"})", "X-Test: yes\r\n"));
        }
    });
    struct Results {
        Call json, stream, missing;
        std::string streamed;
        std::string missing_streamed;
    };
    auto make_all = [&](Results& r) {
        HttpRequest post;
        post.url = server.url("/json");
        post.headers = {{"Content-Type", "application/json"}};
        post.body = "hello";
        r.json.make(post);
        ChunkCallback on_chunk = [&](std::string_view bytes) {
            r.streamed += bytes;
            return true;
        };
        ChunkCallback on_missing = [&](std::string_view bytes) {
            r.missing_streamed += bytes;
            return true;
        };
        SendOptions streaming;
        streaming.on_chunk = &on_chunk;
        r.stream.make(get(server.url("/stream")), streaming);
        SendOptions missing;
        missing.on_chunk = &on_missing;
        r.missing.make(get(server.url("/missing")), missing);
    };
    Results native, curl;
    REQUIRE(run_fiber([&] { make_all(native); }));
    std::thread plain_thread([&] { make_all(curl); });
    plain_thread.join();

    check_native(native.json);
    CHECK_FALSE(curl.json.native); // outside a fiber: libcurl
    for (auto [a, b] : {std::pair{&native.json, &curl.json}, std::pair{&native.stream, &curl.stream},
                        std::pair{&native.missing, &curl.missing}}) {
        REQUIRE(a->result);
        REQUIRE(b->result);
        REQUIRE_MESSAGE(a->ok(), a->error().message);
        REQUIRE_MESSAGE(b->ok(), b->error().message);
        CHECK(a->response().status == b->response().status);
        CHECK(a->response().body == b->response().body);
        CHECK(a->response().http_version == b->response().http_version);
        CHECK(header_value(a->response().headers, "x-test") == header_value(b->response().headers, "x-test"));
    }
    CHECK(native.json.response().status == 200);
    CHECK(native.json.response().body == R"({"id":"x","echo":"hello"})");
    CHECK(native.json.response().http_version == "1.1");
    CHECK(native.stream.response().body.empty());
    CHECK(native.streamed == "data: a\n\ndata: b\n\n");
    CHECK(curl.streamed == native.streamed);
    CHECK(native.missing.response().status == 404);
    CHECK(native.missing_streamed.empty());
    CHECK(curl.missing_streamed.empty());
}
