#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "megarouter/mock/mock_server.hpp"
#include "megarouter/upstream/client.hpp"

using namespace megarouter;
using namespace megarouter::upstream;
using Clock = std::chrono::steady_clock;

namespace {

HttpRequest chat(const mock::MockServer& server, bool stream, const std::string& behavior = "") {
    HttpRequest request;
    request.url = server.base_url() + "/v1/chat/completions";
    request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer sk-secret-value"}};
    if (!behavior.empty()) request.headers.emplace_back("x-mock-behavior", behavior);
    request.body = std::string(R"({"model":"gpt-4o","messages":[{"role":"user","content":"one two three four"}])") +
                   (stream ? R"(,"stream":true})" : "}");
    return request;
}

long long ms_since(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

} // namespace

TEST_CASE("upstream: buffered answers, error statuses and connection reuse") {
    mock::MockServer server;
    REQUIRE(server.start());
    UpstreamClient client;
    for (int i = 0; i < 3; ++i) {
        auto response = client.send(chat(server, false), {});
        REQUIRE(response);
        CHECK(response->status == 200);
        CHECK(response->body.find("chat.completion") != std::string::npos);
    }
    auto limited = client.send(chat(server, false, R"({"status":429,"retry_after":3})"), {});
    REQUIRE(limited); // an HTTP error is still an answer
    CHECK(limited->status == 429);
    CHECK(header_value(limited->headers, "retry-after") == "3");
}

TEST_CASE("upstream: streamed bodies arrive chunk by chunk, before the end") {
    mock::MockServer server;
    REQUIRE(server.start());
    UpstreamClient client;
    std::vector<long long> arrivals;
    std::string all;
    auto start = Clock::now();
    ChunkCallback on_chunk = [&](std::string_view bytes) {
        arrivals.push_back(ms_since(start));
        all += bytes;
        return true;
    };
    SendOptions options;
    options.on_chunk = &on_chunk;
    auto response = client.send(chat(server, true, R"({"chunk_delay_ms":60})"), options);
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body.empty());
    CHECK(all.find("[DONE]") != std::string::npos);
    REQUIRE(arrivals.size() >= 3);
    CHECK(arrivals.back() - arrivals.front() >= 100); // spread out, not buffered to the end
}

TEST_CASE("upstream: first-byte and idle timeouts, refused connections, cancellation") {
    mock::MockServer server;
    REQUIRE(server.start());
    UpstreamClient client;
    SUBCASE("first byte") {
        SendOptions options;
        options.timeouts.first_byte_ms = 200;
        auto start = Clock::now();
        auto response = client.send(chat(server, false, R"({"hang":true})"), options);
        REQUIRE_FALSE(response);
        CHECK(response.error().code == ErrorCode::upstream_timeout);
        CHECK(response.error().retryable);
        CHECK(ms_since(start) < 2000);
    }
    SUBCASE("idle") {
        SendOptions options;
        options.timeouts.idle_ms = 150;
        ChunkCallback sink = [](std::string_view) { return true; };
        options.on_chunk = &sink;
        auto response = client.send(chat(server, true, R"({"chunk_delay_ms":1000})"), options);
        REQUIRE_FALSE(response);
        CHECK(response.error().code == ErrorCode::upstream_timeout);
    }
    SUBCASE("refused") {
        HttpRequest request = chat(server, false);
        request.url = "http://127.0.0.1:1/v1/chat/completions?key=sk-in-query";
        auto response = client.send(request, {});
        REQUIRE_FALSE(response);
        CHECK(response.error().code == ErrorCode::upstream_unavailable);
        CHECK(response.error().retryable);
        CHECK(response.error().message.find("sk-") == std::string::npos); // secrets never in errors
    }
    SUBCASE("cancel flag") {
        std::atomic<bool> cancel{false};
        SendOptions options;
        options.cancel = &cancel;
        std::thread canceller([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            cancel = true;
        });
        auto start = Clock::now();
        auto response = client.send(chat(server, false, R"({"hang":true})"), options);
        canceller.join();
        REQUIRE_FALSE(response);
        CHECK(response.error().code == ErrorCode::cancelled);
        CHECK(ms_since(start) < 1500);
    }
    SUBCASE("callback stops the stream") {
        int calls = 0;
        ChunkCallback stop = [&](std::string_view) { return ++calls < 2; };
        SendOptions options;
        options.on_chunk = &stop;
        auto response = client.send(chat(server, true, R"({"chunk_delay_ms":20})"), options);
        REQUIRE_FALSE(response);
        CHECK(response.error().code == ErrorCode::cancelled);
        CHECK(calls == 2);
    }
}

TEST_CASE("upstream: concurrent calls from many threads") {
    mock::MockServer server;
    REQUIRE(server.start());
    UpstreamClient client;
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10; ++i)
                if (auto r = client.send(chat(server, false), {}); r && r->status == 200) ++ok;
        });
    for (auto& t : threads) t.join();
    CHECK(ok == 80);
}
