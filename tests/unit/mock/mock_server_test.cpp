// Tests of the mock provider over real HTTP on loopback: each wire format,
// streaming, and each failure behavior.
#include "megarouter/mock/mock_server.hpp"

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>

namespace {

using megarouter::mock::Behavior;
using megarouter::mock::MockServer;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Fixture {
    MockServer server;
    std::unique_ptr<httplib::Client> client;

    Fixture() {
        auto port = server.start();
        REQUIRE(port.has_value());
        client = std::make_unique<httplib::Client>("127.0.0.1", *port);
        client->set_read_timeout(5, 0);
    }

    httplib::Result post(const std::string& path, const json& body, httplib::Headers headers = {}) {
        return client->Post(path.c_str(), headers, body.dump(), "application/json");
    }
};

struct SseEvent {
    std::string event;
    std::string data;
};

// Splits an SSE body into events; `separator` is "\n\n" or "\r\n\r\n".
std::vector<SseEvent> parse_sse(const std::string& body, const std::string& separator = "\n\n") {
    std::vector<SseEvent> events;
    std::string line_end = separator.substr(0, separator.size() / 2);
    std::size_t start = 0;
    while (start < body.size()) {
        auto end = body.find(separator, start);
        if (end == std::string::npos) end = body.size();
        SseEvent event;
        std::string block = body.substr(start, end - start);
        std::size_t pos = 0;
        while (pos < block.size()) {
            auto eol = block.find(line_end, pos);
            if (eol == std::string::npos) eol = block.size();
            std::string line = block.substr(pos, eol - pos);
            if (line.starts_with("event: ")) event.event = line.substr(7);
            if (line.starts_with("data: ")) event.data = line.substr(6);
            pos = eol + line_end.size();
        }
        if (!block.empty()) events.push_back(event);
        start = end + separator.size();
    }
    return events;
}

json chat_request(bool stream = false) {
    json body = {{"model", "gpt-test"}, {"messages", {{{"role", "user"}, {"content", "Hello there, mock friend"}}}}};
    if (stream) body["stream"] = true;
    return body;
}

json anthropic_request(bool stream = false) {
    json body = {
        {"model", "claude-test"}, {"max_tokens", 100}, {"messages", {{{"role", "user"}, {"content", "Hello Claude"}}}}};
    if (stream) body["stream"] = true;
    return body;
}

json gemini_request() {
    return {{"contents", {{{"role", "user"}, {"parts", {{{"text", "Hello Gemini"}}}}}}}};
}

httplib::Headers behave(const json& behavior) {
    return {{"x-mock-behavior", behavior.dump()}};
}

// Posts and collects the body as it arrives; returns whether the transfer completed.
bool post_streaming(Fixture& f, const std::string& path, const json& body, const httplib::Headers& headers,
                    std::string& received, double* first_byte_ms = nullptr) {
    httplib::Request req;
    req.method = "POST";
    req.path = path;
    req.headers = headers;
    req.body = body.dump();
    req.set_header("Content-Type", "application/json");
    auto start = Clock::now();
    req.content_receiver = [&](const char* data, std::size_t len, std::uint64_t, std::uint64_t) {
        if (first_byte_ms && received.empty()) {
            *first_byte_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        }
        received.append(data, len);
        return true;
    };
    auto res = f.client->send(req);
    return static_cast<bool>(res) && res->status == 200;
}

} // namespace

TEST_CASE("mock: openai chat answers deterministically with full usage") {
    Fixture f;
    auto res = f.post("/v1/chat/completions", chat_request(), behave({{"cached_tokens", 2}, {"reasoning_tokens", 3}}));
    REQUIRE(res);
    CHECK(res->status == 200);
    json body = json::parse(res->body);
    CHECK(body["object"] == "chat.completion");
    CHECK(body["choices"][0]["message"]["content"] == "Mock answer from gpt-test: Hello there, mock friend");
    CHECK(body["choices"][0]["finish_reason"] == "stop");
    CHECK(body["usage"]["prompt_tokens"] == 6);         // 24 chars / 4
    CHECK(body["usage"]["completion_tokens"] == 8 + 3); // 8 words + reasoning
    CHECK(body["usage"]["total_tokens"] == 17);
    CHECK(body["usage"]["prompt_tokens_details"]["cached_tokens"] == 2);
    CHECK(body["usage"]["completion_tokens_details"]["reasoning_tokens"] == 3);
}

TEST_CASE("mock: openai stream ends with a usage chunk only when include_usage is set") {
    Fixture f;
    SUBCASE("with include_usage") {
        json request = chat_request(true);
        request["stream_options"] = {{"include_usage", true}};
        auto res = f.post("/v1/chat/completions", request);
        REQUIRE(res);
        CHECK(res->get_header_value("Content-Type") == "text/event-stream");
        auto events = parse_sse(res->body);
        REQUIRE(events.size() >= 4);
        CHECK(events.back().data == "[DONE]");
        json usage_chunk = json::parse(events[events.size() - 2].data);
        CHECK(usage_chunk["choices"].empty());
        CHECK(usage_chunk["usage"]["completion_tokens"] == 8);
        json finish = json::parse(events[events.size() - 3].data);
        CHECK(finish["choices"][0]["finish_reason"] == "stop");
        CHECK(finish["usage"].is_null());
        std::string text;
        for (std::size_t i = 0; i + 1 < events.size(); ++i) {
            json chunk = json::parse(events[i].data);
            CHECK(chunk["object"] == "chat.completion.chunk");
            if (!chunk["choices"].empty()) text += chunk["choices"][0]["delta"].value("content", "");
        }
        CHECK(text == "Mock answer from gpt-test: Hello there, mock friend");
    }
    SUBCASE("without include_usage") {
        auto res = f.post("/v1/chat/completions", chat_request(true));
        REQUIRE(res);
        auto events = parse_sse(res->body);
        CHECK(events.back().data == "[DONE]");
        for (std::size_t i = 0; i + 1 < events.size(); ++i)
            CHECK_FALSE(json::parse(events[i].data).contains("usage"));
    }
}

TEST_CASE("mock: openai tool call names the first tool") {
    Fixture f;
    json request = chat_request();
    request["tools"] = {{{"type", "function"}, {"function", {{"name", "lookup"}, {"parameters", json::object()}}}}};
    auto res = f.post("/v1/chat/completions", request, behave({{"tool_call", true}, {"tool_arguments", {{"q", "x"}}}}));
    REQUIRE(res);
    json body = json::parse(res->body);
    CHECK(body["choices"][0]["finish_reason"] == "tool_calls");
    CHECK(body["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "lookup");
    CHECK(json::parse(body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"].get<std::string>()) ==
          json{{"q", "x"}});
}

TEST_CASE("mock: anthropic message has content, stop_reason and cache usage") {
    Fixture f;
    auto res = f.post("/v1/messages", anthropic_request(), behave({{"cached_tokens", 2}}));
    REQUIRE(res);
    json body = json::parse(res->body);
    CHECK(body["type"] == "message");
    CHECK(body["content"][0]["type"] == "text");
    CHECK(body["content"][0]["text"] == "Mock answer from claude-test: Hello Claude");
    CHECK(body["stop_reason"] == "end_turn");
    CHECK(body["usage"]["cache_read_input_tokens"] == 2);
    CHECK(body["usage"]["input_tokens"] == 1); // 3 prompt tokens, 2 of them cached
    CHECK(body["usage"]["output_tokens"] == 6);
}

TEST_CASE("mock: anthropic stream has every event with its event line") {
    Fixture f;
    auto res = f.post("/v1/messages", anthropic_request(true));
    REQUIRE(res);
    auto events = parse_sse(res->body);
    std::vector<std::string> names;
    for (const auto& event : events) {
        json data = json::parse(event.data);
        CHECK(data["type"] == event.event);
        if (names.empty() || names.back() != event.event) names.push_back(event.event);
    }
    CHECK(names == std::vector<std::string>{"message_start", "content_block_start", "ping", "content_block_delta",
                                            "content_block_stop", "message_delta", "message_stop"});
    json delta = json::parse(events[events.size() - 2].data);
    CHECK(delta["delta"]["stop_reason"] == "end_turn");
    CHECK(delta["usage"]["output_tokens"] == 6);
}

TEST_CASE("mock: anthropic stream tool call sends input_json_delta") {
    Fixture f;
    json request = anthropic_request(true);
    request["tools"] = {{{"name", "get_weather"}, {"input_schema", json::object()}}};
    auto res = f.post("/v1/messages", request, behave({{"tool_call", true}}));
    REQUIRE(res);
    auto events = parse_sse(res->body);
    json start = json::parse(events[1].data);
    CHECK(start["content_block"]["type"] == "tool_use");
    CHECK(start["content_block"]["name"] == "get_weather");
    json delta = json::parse(events[3].data);
    CHECK(delta["delta"]["type"] == "input_json_delta");
    CHECK(delta["delta"]["partial_json"] == "{}");
    CHECK(json::parse(events[events.size() - 2].data)["delta"]["stop_reason"] == "tool_use");
}

TEST_CASE("mock: gemini generateContent and streamGenerateContent with usageMetadata") {
    Fixture f;
    const std::string base = "/v1beta/models/gemini-test";
    SUBCASE("plain") {
        auto res = f.post(base + ":generateContent", gemini_request(), behave({{"cached_tokens", 1}}));
        REQUIRE(res);
        json body = json::parse(res->body);
        CHECK(body["candidates"][0]["content"]["parts"][0]["text"] == "Mock answer from gemini-test: Hello Gemini");
        CHECK(body["candidates"][0]["content"]["role"] == "model");
        CHECK(body["candidates"][0]["finishReason"] == "STOP");
        CHECK(body["usageMetadata"]["promptTokenCount"] == 3);
        CHECK(body["usageMetadata"]["candidatesTokenCount"] == 6);
        CHECK(body["usageMetadata"]["totalTokenCount"] == 9);
        CHECK(body["usageMetadata"]["cachedContentTokenCount"] == 1);
    }
    SUBCASE("sse") {
        auto res = f.post(base + ":streamGenerateContent?alt=sse", gemini_request());
        REQUIRE(res);
        auto events = parse_sse(res->body, "\r\n\r\n");
        REQUIRE(events.size() == 6);
        std::string text;
        for (const auto& event : events) {
            text += json::parse(event.data)["candidates"][0]["content"]["parts"][0]["text"].get<std::string>();
        }
        CHECK(text == "Mock answer from gemini-test: Hello Gemini");
        json last = json::parse(events.back().data);
        CHECK(last["candidates"][0]["finishReason"] == "STOP");
        CHECK(last["usageMetadata"]["candidatesTokenCount"] == 6);
        CHECK_FALSE(json::parse(events[0].data)["candidates"][0].contains("finishReason"));
    }
    SUBCASE("json array without alt=sse") {
        auto res = f.post(base + ":streamGenerateContent", gemini_request());
        REQUIRE(res);
        CHECK(json::parse(res->body).size() == 6);
    }
}

TEST_CASE("mock: responses api plain and streamed event sequence") {
    Fixture f;
    json request = {{"model", "gpt-test"}, {"input", "Tell me"}};
    auto res = f.post("/v1/responses", request, behave({{"reasoning_tokens", 4}}));
    REQUIRE(res);
    json body = json::parse(res->body);
    CHECK(body["object"] == "response");
    CHECK(body["status"] == "completed");
    CHECK(body["output"][0]["content"][0]["type"] == "output_text");
    CHECK(body["output"][0]["content"][0]["text"] == "Mock answer from gpt-test: Tell me");
    CHECK(body["usage"]["output_tokens_details"]["reasoning_tokens"] == 4);
    CHECK(body["usage"]["total_tokens"] ==
          body["usage"]["input_tokens"].get<int>() + body["usage"]["output_tokens"].get<int>());

    request["stream"] = true;
    res = f.post("/v1/responses", request);
    REQUIRE(res);
    std::vector<std::string> names;
    int sequence = 0;
    for (const auto& event : parse_sse(res->body)) {
        json data = json::parse(event.data);
        CHECK(data["type"] == event.event);
        CHECK(data["sequence_number"] == sequence++);
        if (names.empty() || names.back() != event.event) names.push_back(event.event);
    }
    CHECK(names == std::vector<std::string>{"response.created", "response.in_progress", "response.output_item.added",
                                            "response.content_part.added", "response.output_text.delta",
                                            "response.output_text.done", "response.content_part.done",
                                            "response.output_item.done", "response.completed"});
}

TEST_CASE("mock: embeddings and model lists") {
    Fixture f;
    auto res = f.post("/v1/embeddings", {{"model", "emb"}, {"input", {"a", "b"}}});
    REQUIRE(res);
    json body = json::parse(res->body);
    CHECK(body["data"].size() == 2);
    CHECK(body["data"][0]["embedding"].size() == 8);
    auto again = f.post("/v1/embeddings", {{"model", "emb"}, {"input", {"a", "b"}}});
    CHECK(json::parse(again->body)["data"] == body["data"]);
    CHECK(json::parse(f.client->Get("/v1/models")->body)["object"] == "list");
    f.server.set_models_document(R"({"data":[{"id":"x"}]})");
    CHECK(json::parse(f.client->Get("/api/v1/models")->body)["data"][0]["id"] == "x");
}

TEST_CASE("mock: error statuses use each format's error body") {
    Fixture f;
    auto headers = behave({{"status", 429}, {"retry_after", 7}});
    auto openai = f.post("/v1/chat/completions", chat_request(), headers);
    CHECK(openai->status == 429);
    CHECK(openai->get_header_value("Retry-After") == "7");
    json error = json::parse(openai->body)["error"];
    CHECK(error["code"] == "rate_limit_exceeded");
    CHECK((error.contains("message") && error.contains("type") && error.contains("param")));

    auto anthropic = f.post("/v1/messages", anthropic_request(), behave({{"status", 529}}));
    CHECK(anthropic->status == 529);
    CHECK(json::parse(anthropic->body) ==
          json{{"type", "error"},
               {"error", {{"type", "overloaded_error"}, {"message", "Mock failure with status 529"}}}});

    auto gemini = f.post("/v1beta/models/g:generateContent", gemini_request(), behave({{"status", 503}}));
    CHECK(gemini->status == 503);
    CHECK(json::parse(gemini->body)["error"]["status"] == "UNAVAILABLE");
    CHECK(json::parse(gemini->body)["error"]["code"] == 503);
}

TEST_CASE("mock: context length errors match each provider") {
    Fixture f;
    auto headers = behave({{"context_length_error", true}});
    auto openai = f.post("/v1/chat/completions", chat_request(), headers);
    CHECK(openai->status == 400);
    CHECK(json::parse(openai->body)["error"]["code"] == "context_length_exceeded");
    auto anthropic = f.post("/v1/messages", anthropic_request(), headers);
    CHECK(anthropic->status == 400);
    json error = json::parse(anthropic->body)["error"];
    CHECK(error["type"] == "invalid_request_error");
    CHECK(error["message"].get<std::string>().starts_with("prompt is too long: "));
    auto gemini = f.post("/v1beta/models/g:generateContent", gemini_request(), headers);
    CHECK(gemini->status == 400);
    CHECK(json::parse(gemini->body)["error"]["status"] == "INVALID_ARGUMENT");
}

TEST_CASE("mock: malformed json and missing keys are rejected in the format's shape") {
    Fixture f;
    auto openai = f.client->Post("/v1/chat/completions", "{nope", "application/json");
    CHECK(openai->status == 400);
    CHECK(json::parse(openai->body)["error"]["type"] == "invalid_request_error");
    auto anthropic = f.client->Post("/v1/messages", "{nope", "application/json");
    CHECK(json::parse(anthropic->body)["type"] == "error");
    Behavior needs_key;
    needs_key.require_key = true;
    f.server.set_behavior("*", needs_key);
    CHECK(f.post("/v1/chat/completions", chat_request())->status == 401);
    CHECK(f.post("/v1/chat/completions", chat_request(), {{"Authorization", "Bearer sk-x"}})->status == 200);
    CHECK(json::parse(f.post("/v1/messages", anthropic_request())->body)["error"]["type"] == "authentication_error");
    CHECK(f.post("/v1beta/models/g:generateContent?key=k", gemini_request())->status == 200);
}

TEST_CASE("mock: fail_times fails the first requests of a model, then succeeds") {
    Fixture f;
    Behavior flaky;
    flaky.status = 500;
    flaky.fail_times = 2;
    f.server.set_behavior("gpt-test", flaky);
    CHECK(f.post("/v1/chat/completions", chat_request())->status == 500);
    CHECK(f.post("/v1/chat/completions", chat_request())->status == 500);
    CHECK(f.post("/v1/chat/completions", chat_request())->status == 200);
    json other = chat_request();
    other["model"] = "other";
    CHECK(f.post("/v1/chat/completions", other)->status == 200);
}

TEST_CASE("mock: delays hold the first byte and space the chunks") {
    Fixture f;
    auto start = Clock::now();
    auto res = f.post("/v1/chat/completions", chat_request(), behave({{"first_byte_delay_ms", 200}}));
    CHECK(res->status == 200);
    CHECK(Clock::now() - start >= std::chrono::milliseconds(190));

    std::string received;
    double first_byte_ms = -1;
    start = Clock::now();
    CHECK(post_streaming(f, "/v1/chat/completions", chat_request(true), behave({{"chunk_delay_ms", 80}, {"chunks", 4}}),
                         received, &first_byte_ms));
    double total_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    CHECK(total_ms >= 310);
    CHECK(first_byte_ms >= 0);
    CHECK(first_byte_ms < total_ms - 150); // the role chunk came before the delayed content
}

TEST_CASE("mock: cut_after_chunks closes the stream without its terminal event") {
    Fixture f;
    std::string received;
    bool complete =
        post_streaming(f, "/v1/messages", anthropic_request(true), behave({{"cut_after_chunks", 2}}), received);
    CHECK_FALSE(complete);
    auto events = parse_sse(received);
    int deltas = 0;
    for (const auto& event : events)
        deltas += event.event == "content_block_delta";
    CHECK(deltas == 2);
    CHECK(received.find("message_stop") == std::string::npos);
}

TEST_CASE("mock: hang never answers and does not block stop") {
    auto f = std::make_unique<Fixture>();
    f->client->set_read_timeout(0, 300'000);
    auto start = Clock::now();
    auto res = f->post("/v1/chat/completions", chat_request(), behave({{"hang", true}}));
    CHECK_FALSE(res);
    CHECK(Clock::now() - start >= std::chrono::milliseconds(290));
    start = Clock::now();
    f->server.stop();
    CHECK(Clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("mock: control endpoints configure behavior and expose recorded requests") {
    Fixture f;
    json spec = {{"model", "gpt-test"}, {"behavior", {{"status", 503}}}};
    CHECK(f.client->Post("/_mock/behavior", spec.dump(), "application/json")->status == 200);
    CHECK(f.post("/v1/chat/completions", chat_request())->status == 503);
    CHECK(f.client->Post("/_mock/behavior", "{\"model\":1}", "application/json")->status == 400);
    CHECK(f.client->Delete("/_mock/behavior")->status == 200);
    CHECK(f.post("/v1/chat/completions", chat_request(), {{"Authorization", "Bearer sk-1"}})->status == 200);

    auto recorded = f.server.requests();
    REQUIRE(recorded.size() == 2);
    CHECK(recorded[1].path == "/v1/chat/completions");
    CHECK(recorded[1].header("authorization") == "Bearer sk-1");
    CHECK(json::parse(recorded[1].body)["model"] == "gpt-test");
    json listed = json::parse(f.client->Get("/_mock/requests")->body);
    CHECK(listed.size() == 2);
    f.client->Delete("/_mock/requests");
    CHECK(f.server.requests().empty());
    CHECK(f.post("/v1/chat/completions", chat_request(), {{"x-mock-behavior", "{bad"}})->status == 400);
}
