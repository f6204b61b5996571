// Streamed answers through the filter chain over a fake Transport, on a real
// event loop (a stream's upstream side runs in a fiber of its own): what the
// client reads, in its own format, and what a cut stream ends with.
#include "chain_fixture.hpp"
#include "unit/io/loop_fixture.hpp"

using namespace chain_test;
using nlohmann::json;
using proxy::ApiKind;

namespace {

class CollectingSink final : public http::DataSink {
public:
    bool write(std::string_view bytes) override {
        text.append(bytes);
        return true;
    }
    void done() override { ended = true; }
    std::string text;
    bool ended = false;
};

struct Streamed {
    int status = 0;
    std::string body;
    bool ended = false;
};

// Runs one request with "stream": true in a fiber, as the server does, and
// reads its whole body from the response's content provider.
Streamed stream(ChainFixture& fx, ApiKind api, json body, http::Headers headers = {}) {
    body["stream"] = true;
    auto loop = loop_test::make_loop();
    Streamed out;
    bool answered = false;
    loop->spawn([&] {
        http::Request request;
        request.method = "POST";
        request.path = api == ApiKind::messages ? "/v1/messages" : "/v1/chat/completions";
        request.headers = std::move(headers);
        request.body = body.dump();
        http::Response response;
        proxy::handle_chat(fx.shared, api, request, response);
        out.status = response.status == -1 ? 200 : response.status;
        if (response.streamed()) {
            CollectingSink sink;
            response.content_provider()(0, sink);
            out.body = std::move(sink.text);
            out.ended = sink.ended;
        } else {
            out.body = response.body;
        }
        answered = true;
    });
    REQUIRE(loop_test::run_for(*loop, [&] { return answered && loop->fibers() == 0; }, std::chrono::seconds(10)));
    return out;
}

std::string chunk(const json& delta, const json& finish = nullptr) {
    json event = {{"id", "chatcmpl-1"}, {"object", "chat.completion.chunk"}, {"created", 1}, {"model", "gpt-4o-mini"},
                  {"choices", {{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}}}};
    return "data: " + event.dump() + "\n\n";
}

std::string usage_chunk() {
    json event = {{"id", "chatcmpl-1"}, {"object", "chat.completion.chunk"}, {"created", 1}, {"model", "gpt-4o-mini"},
                  {"choices", json::array()},
                  {"usage", {{"prompt_tokens", 10}, {"completion_tokens", 2}, {"total_tokens", 12}}}};
    return "data: " + event.dump() + "\n\n";
}

Answer sse(std::string events) {
    return upstream::HttpResponse{.status = 200, .headers = {{"Content-Type", "text/event-stream"}},
                                  .body = std::move(events), .http_version = "1.1"};
}

const std::string k_whole = chunk({{"role", "assistant"}, {"content", "Hel"}}) + chunk({{"content", "lo"}}) +
                            chunk(json::object(), "stop") + usage_chunk() + "data: [DONE]\n\n";

} // namespace

TEST_CASE("chain stream: a passed-through chat stream reaches the client whole, without the usage chunk it did not ask for") {
    ChainFixture fx;
    fx.transport.script(k_openai, {sse(k_whole)});
    auto out = stream(fx, ApiKind::chat_completions, chat_body("gpt-4o-mini"));
    CHECK(out.status == 200);
    CHECK(out.ended);
    CHECK(out.body.find("\"Hel\"") != std::string::npos);
    CHECK(out.body.find("\"lo\"") != std::string::npos);
    CHECK(out.body.find("\"usage\"") == std::string::npos); // metered, not forwarded
    CHECK(out.body.ends_with("data: [DONE]\n\n"));
    auto sent = fx.transport.sent();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].body["stream"] == true);
    CHECK(sent[0].body["stream_options"]["include_usage"] == true); // asked for, to meter the stream
}

TEST_CASE("chain stream: an Anthropic client reads an OpenAI stream as Messages events") {
    ChainFixture fx;
    fx.transport.script(k_openai, {sse(k_whole)});
    json body = {{"model", "gpt-4o-mini"}, {"max_tokens", 100}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
    auto out = stream(fx, ApiKind::messages, body, {{"anthropic-version", "2023-06-01"}});
    CHECK(out.status == 200);
    CHECK(out.body.find("event: message_start") != std::string::npos);
    CHECK(out.body.find("event: content_block_delta") != std::string::npos);
    CHECK(out.body.find("\"Hel\"") != std::string::npos);
    CHECK(out.body.find("\"output_tokens\":2") != std::string::npos);
    CHECK(out.body.find("event: message_stop") != std::string::npos);
}

TEST_CASE("chain stream: a stream cut after its first bytes ends with an error event and is not retried elsewhere") {
    ChainFixture fx;
    fx.transport.script(k_openai, {sse(chunk({{"role", "assistant"}, {"content", "Hel"}}))}); // no finish, no [DONE]
    fx.transport.script(k_openrouter, {sse(k_whole)});
    auto out = stream(fx, ApiKind::chat_completions, chat_body("gpt-4o-mini"));
    CHECK(out.status == 200); // the status line went out with the first bytes
    CHECK(out.body.find("\"Hel\"") != std::string::npos);
    CHECK(out.body.find("\"error\"") != std::string::npos);
    CHECK(out.body.find("\"lo\"") == std::string::npos); // no silent switch to another deployment
    CHECK(fx.transport.sent().size() == 1);
}

TEST_CASE("chain stream: a failure before the first byte fails over, and the client sees one clean stream") {
    ChainFixture fx;
    fx.transport.script(k_openai, {openai_error(503, "server_error", "overloaded")});
    fx.transport.script(k_openrouter, {sse(k_whole)});
    auto out = stream(fx, ApiKind::chat_completions, chat_body("gpt-4o-mini"));
    CHECK(out.status == 200);
    CHECK(out.body.find("\"error\"") == std::string::npos);
    CHECK(out.body.ends_with("data: [DONE]\n\n"));
    CHECK(fx.transport.sent().size() == 2);
}
