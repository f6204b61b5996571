// http::Response and its head on the wire (append_response_head): framing
// headers are the writer's, header values that could split a head are
// refused, and a stream's releaser runs once.
#include <doctest/doctest.h>

#include <string>

#include "megarouter/http/response.hpp"
#include "megarouter/http/wire.hpp"

using namespace megarouter::http;

TEST_CASE("http response: a body is framed by Content-Length, the handler's framing headers dropped") {
    Response response;
    response.set_content("hello", "text/plain");
    response.headers.add("Content-Length", "999");
    response.headers.add("Transfer-Encoding", "chunked");
    response.headers.add("connection", "upgrade");
    response.set_header("X-Id", "7");
    std::string head;
    append_response_head(head, response, ResponseFraming::length, true);
    CHECK(head == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Id: 7\r\nContent-Length: 5\r\n"
                  "Connection: keep-alive\r\n\r\n");
}

TEST_CASE("http response: streams are chunked, or delimited by closing") {
    Response response;
    response.status = 201;
    std::string chunked;
    append_response_head(chunked, response, ResponseFraming::chunked, true);
    CHECK(chunked == "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n");
    std::string to_close;
    append_response_head(to_close, response, ResponseFraming::to_close, false);
    CHECK(to_close == "HTTP/1.1 201 Created\r\nConnection: close\r\n\r\n");
}

TEST_CASE("http response: set_header refuses what could end a header line, and replaces an earlier value") {
    Response response;
    CHECK_FALSE(response.set_header("X-Evil", "a\r\nSet-Cookie: b"));
    CHECK_FALSE(response.set_header("X-Nul", std::string("a\0b", 3)));
    CHECK_FALSE(response.set_header("Bad Name", "v"));
    CHECK_FALSE(response.set_header("", "v"));
    CHECK(response.headers.empty());
    CHECK(response.set_header("Retry-After", "1"));
    CHECK(response.set_header("retry-after", "2"));
    CHECK(response.headers.count("Retry-After") == 1);
    CHECK(response.headers.get("Retry-After") == "2");
    response.set_redirect("/ui/");
    CHECK(response.status == 302);
    CHECK(response.headers.get("Location") == "/ui/");
}

TEST_CASE("http response: a stream's releaser runs once, when its Response goes or is replaced") {
    int calls = 0;
    bool last = true;
    auto releaser = [&](bool success) {
        ++calls;
        last = success;
    };
    auto provider = [](std::size_t, DataSink& sink) {
        sink.done();
        return true;
    };
    SUBCASE("destroyed after a complete stream") {
        {
            Response response;
            response.set_chunked_content_provider("text/event-stream", provider, releaser);
            CHECK(response.streamed());
            CHECK(response.headers.get("Content-Type") == "text/event-stream");
            Response moved(std::move(response));
            moved.set_stream_completed(true);
        }
        CHECK(calls == 1);
        CHECK(last);
    }
    SUBCASE("replaced before it was written (a handler that threw): released as failed") {
        Response response;
        response.set_chunked_content_provider("text/plain", provider, releaser);
        response = Response();
        CHECK(calls == 1);
        CHECK_FALSE(last);
        CHECK_FALSE(response.streamed());
    }
}
