// End-to-end: megarouter's own HTTP/1.1 server (http::Server on io::Loop)
// in-process, driven by httplib::Client and by raw sockets for what a
// well-behaved client never does: requests, bodies and their framing, limits
// and the errors the server makes itself. Streams, shutdown, timeouts and
// load are in http_server_streams_test.cpp; the fixture is
// http_server_fixture.hpp.
#include "e2e/http_server_fixture.hpp"

using namespace http_server_test;

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
    CHECK(target->body == "/echo-target|b=two words|a=1"); // the query's order

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
    REQUIRE(endless.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(6000, 'b')));
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
        "GET /hello HTTP/1.1\r\nHost: t\r\nNo colon here\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n",
        // Strict framing (RFC 9112): each of these is read two ways by some server behind a proxy.
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
        "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET /hello HTTP/1.1\r\n\r\n",                               // no Host
        "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",          // two
        "GET /hello HTTP/1.1\r\nHost: t\r\nX-A: a\nX-B: b\r\n\r\n",     // a bare LF
        "GET /hello HTTP/1.1\r\nHost: t\r\nX-A: a\x01\r\n\r\n",        // a control character
        "GET /hello HTTP/1.1\r\nHost: t\r\nX(A): a\r\n\r\n",           // not a token
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

TEST_CASE("http server: framing headers a handler sets are the server's to send, once") {
    http::Router router;
    router.Get("/framed", [](const http::Request&, http::Response& response) {
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
