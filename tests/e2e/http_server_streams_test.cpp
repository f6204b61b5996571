// End-to-end: megarouter's own HTTP/1.1 server, over time: streamed
// responses, clients that leave or stall, blocking routes, stop(), timeouts,
// many connections at once, and garbage input. The fixture is
// http_server_fixture.hpp.
#include "e2e/http_server_fixture.hpp"

using namespace http_server_test;

TEST_CASE("http server: chunked streaming responses arrive complete") {
    std::atomic<int> released{0};
    std::atomic<bool> released_ok{false};
    std::atomic<bool> slow_started{false}, slow_finished{false};
    http::Router router;
    router.Get("/hello", [](const http::Request&, http::Response& response) { response.set_content("hello", "text/plain"); });
    router.Get("/stream", [&](const http::Request&, http::Response& response) {
        response.set_header("X-Stream", "yes");
        response.set_chunked_content_provider(
            "text/plain",
            [](std::size_t, http::DataSink& sink) {
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
    router.Get("/stream-slow", [&](const http::Request&, http::Response& response) {
        auto calls = std::make_shared<int>(0);
        response.set_chunked_content_provider("text/plain", [&, calls](std::size_t, http::DataSink& sink) {
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
    router.Get("/alphabet", [&](const http::Request&, http::Response& response) {
        response.set_chunked_content_provider("text/plain", [&](std::size_t offset, http::DataSink& sink) {
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
        http::install(router, reference);
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
    router.Get("/forever", [&](const http::Request&, http::Response& response) {
        response.set_chunked_content_provider(
            "text/plain",
            [&](std::size_t, http::DataSink& sink) {
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
    router.Get("/fast", [&](const http::Request&, http::Response& response) {
        {
            std::lock_guard lock(ids);
            loop_thread = std::this_thread::get_id();
        }
        response.set_content("fast", "text/plain");
    });
    router.set_blocking(true);
    router.Get("/slow", [&](const http::Request&, http::Response& response) {
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
    router.Get("/sleepy", [&](const http::Request&, http::Response& response) {
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

    // A request begun and stalled gets 408, then the connection closes.
    Raw stalled(server.port());
    REQUIRE(stalled.send("GET /hello HTTP/1.1\r\nHost: te"));
    start = SteadyClock::now();
    auto stalled_answer = stalled.read_response();
    REQUIRE(stalled_answer);
    CHECK(stalled_answer->status == 408);
    CHECK(stalled.peer_closed());
    CHECK(ms_since(start) >= 150);

    Raw short_body(server.port());
    REQUIRE(short_body.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"));
    auto short_answer = short_body.read_response();
    REQUIRE(short_answer);
    CHECK(short_answer->status == 408);
    CHECK(short_body.peer_closed());
    CHECK(routes.echo_calls == 0);
}

TEST_CASE("http server: a client that stops reading is dropped after write_timeout_ms") {
    http::Router router;
    router.Get("/big", [](const http::Request&, http::Response& response) {
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
    router.Get("/wait/:n", [&](const http::Request& request, http::Response& response) {
        int now = ++in_flight;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        io::sleep_until(core::monotonic_us() + 200'000); // parks the fiber, not the loop
        --in_flight;
        ++served;
        response.set_content("done " + std::string(request.param("n")), "text/plain");
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
    router.Get("/stream", [](const http::Request&, http::Response& response) {
        response.set_chunked_content_provider("text/plain", [](std::size_t, http::DataSink& sink) {
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
