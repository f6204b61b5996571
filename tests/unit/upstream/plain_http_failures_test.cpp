// The upstream client's native HTTP/1.1 path when things go wrong: servers
// that close, stall, never answer or never read, refused and pending
// connects, the cancel flag, and answers too large. The fixture is
// plain_http_fixture.hpp.
#include "unit/upstream/plain_http_fixture.hpp"

using namespace plain_http_test;

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
            set_after(cancel, 150, start, cancelled_at),
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
        std::int64_t cancelled_at = 0;
        REQUIRE(run_fibers({
            [&] { call.make(get(server.url("/stream")), options); },
            set_after(cancel, 200, now_us(), cancelled_at),
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
            set_after(cancel, 150, start, cancelled_at),
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
            set_after(cancel, 200, start, cancelled_at),
        }));
        check_failed(call, ErrorCode::cancelled);
        CHECK(call.elapsed_ms - cancelled_at < 1000);
    }
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

TEST_CASE("plain http: an answer head with a line that is not a header field is refused") {
    // The same field grammar as the server's request heads (http::for_each_header_field).
    TestServer server([](Conn& conn) {
        if (!conn.read_request()) return;
        conn.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nnot a header line\r\n\r\nok");
        conn.wait_closed();
    });
    Call call;
    REQUIRE(run_fiber([&] { call.make(get(server.url("/bad-head"))); }));
    check_native(call);
    if (!curl_forced()) {
        check_failed(call, ErrorCode::upstream_unavailable);
        CHECK(call.error().message.find("malformed HTTP answer") != std::string::npos);
    }
}
