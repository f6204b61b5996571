// The upstream client's native HTTP/1.1 path (src/upstream/plain_http.cpp):
// answers in every framing, keep-alive reuse and the pool, request headers,
// and agreement with libcurl. Timeouts, cancellation and failures are in
// plain_http_failures_test.cpp; the scripted server and the fiber runner are
// in plain_http_fixture.hpp.
#include "unit/upstream/plain_http_fixture.hpp"

using namespace plain_http_test;

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
