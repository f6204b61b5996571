#include <doctest/doctest.h>

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "megarouter/providers/adapter.hpp"

using namespace megarouter;
using namespace megarouter::providers;
using nlohmann::json;

namespace {

const UpstreamAdapter& up() { return upstream_adapter(WireFormat::anthropic); }
const ClientAdapter& down() { return *client_adapter(WireFormat::anthropic); }

// What Claude Code sends, trimmed: system blocks with cache_control, a
// role:"system" entry after a user turn, thinking, metadata, tool use.
const char* k_claude_code_body = R"({
  "model": "claude-opus-4-8", "max_tokens": 64000, "stream": true,
  "system": [{"type": "text", "text": "You are Claude Code."},
             {"type": "text", "text": "Be careful.", "cache_control": {"type": "ephemeral"}}],
  "messages": [
    {"role": "user", "content": [{"type": "text", "text": "list files"},
      {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ"}}]},
    {"role": "system", "content": "Reminder: stay in the repo."},
    {"role": "assistant", "content": [{"type": "thinking", "thinking": "hmm", "signature": "sig"},
      {"type": "text", "text": "Running ls"},
      {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "a.txt\nb.txt"},
      {"type": "text", "text": "thanks"}]}
  ],
  "tools": [{"name": "Bash", "description": "Run a command", "input_schema": {"type": "object"}},
            {"type": "web_search_20250305", "name": "web_search"}],
  "thinking": {"type": "adaptive"}, "metadata": {"user_id": "user_abc"},
  "context_management": {"edits": []}
})";

} // namespace

TEST_CASE("providers: anthropic client request from Claude Code decodes to canonical") {
    auto request = down().decode_client_request(json::parse(k_claude_code_body));
    REQUIRE(request);
    CHECK(request->system == "You are Claude Code.\nBe careful.");
    REQUIRE(request->messages.size() == 5);
    CHECK(request->messages[0].content[1].kind == ContentPart::Kind::image);
    CHECK(request->messages[0].content[1].image_data == "/9j/4AAQ");
    CHECK(request->messages[1].role == Role::system); // mapped, not rejected
    CHECK(request->messages[2].tool_calls.at(0).name == "Bash");
    CHECK(json::parse(request->messages[2].tool_calls[0].arguments) == json{{"command", "ls"}});
    CHECK(request->messages[3].role == Role::tool);
    CHECK(request->messages[3].tool_call_id == "toolu_1");
    CHECK(request->messages[3].text() == "a.txt\nb.txt");
    CHECK(request->messages[4].text() == "thanks");
    CHECK(request->tools.size() == 1); // the server tool has no canonical form
    CHECK(request->max_tokens == 64000);
    CHECK(request->user == "user_abc");
    CHECK_FALSE(request->temperature.has_value());
}

TEST_CASE("providers: anthropic request encoding merges turns and never adds sampling parameters") {
    auto request = down().decode_client_request(json::parse(k_claude_code_body));
    REQUIRE(request);
    json body = up().encode_request(*request, "claude-opus-4-8");
    CHECK(body["system"] == "You are Claude Code.\nBe careful.");
    CHECK(body["max_tokens"] == 64000);
    CHECK_FALSE(body.contains("temperature"));
    CHECK_FALSE(body.contains("top_p"));
    CHECK_FALSE(body.contains("top_k"));
    CHECK(body["stream"] == true);
    const json& messages = body["messages"];
    CHECK(messages[0]["content"][1]["source"]["type"] == "base64");
    CHECK(messages[1]["role"] == "system");
    CHECK(messages[2]["content"][1]["type"] == "tool_use");
    CHECK(messages[2]["content"][1]["input"]["command"] == "ls");
    // The tool result and the following text share one user turn.
    CHECK(messages[3]["role"] == "user");
    CHECK(messages[3]["content"][0]["type"] == "tool_result");
    CHECK(messages[3]["content"][1]["text"] == "thanks");
    CHECK(messages.size() == 4);
    CHECK(body["tools"][0]["input_schema"]["type"] == "object");
    CHECK(body["metadata"]["user_id"] == "user_abc");

    ChatRequest plain;
    plain.messages.push_back({Role::user, {{ContentPart::Kind::text, "hi", "", "", ""}}, {}, "", "", false});
    plain.temperature = 0.5;
    json minimal = up().encode_request(plain, "claude-haiku");
    CHECK(minimal["max_tokens"] == 4096); // required by the API
    CHECK(minimal["temperature"] == 0.5);
    CHECK_FALSE(minimal.contains("system"));
}

TEST_CASE("providers: an OpenAI response_format reaches Anthropic as structured output or an instruction") {
    ChatRequest request;
    request.messages.push_back({Role::user, {{ContentPart::Kind::text, "hi", "", "", ""}}, {}, "", "", false});
    json schema = {{"type", "object"}, {"properties", {{"city", {{"type", "string"}}}}}, {"required", {"city"}}};
    // A JSON Schema is carried over as output_config.format (it was only an
    // instruction in the system prompt: the answer came back as plain text).
    request.response_format = {{"type", "json_schema"}, {"json_schema", {{"name", "place"}, {"schema", schema}}}};
    json body = up().encode_request(request, "claude-haiku-4-5");
    CHECK(body["output_config"]["format"]["type"] == "json_schema");
    CHECK(body["output_config"]["format"]["schema"] == schema);
    CHECK_FALSE(body.contains("system"));
    // JSON mode has no Anthropic counterpart: emulated with an instruction.
    request.response_format = {{"type", "json_object"}};
    body = up().encode_request(request, "claude-haiku-4-5");
    CHECK_FALSE(body.contains("output_config"));
    CHECK(body["system"].get<std::string>().find("single JSON object") != std::string::npos);
    // And back: an Anthropic client's output_config.format becomes the
    // canonical (OpenAI) response_format, for an OpenAI or Gemini upstream.
    auto decoded = down().decode_client_request(json{
        {"model", "gpt-4o-mini"}, {"max_tokens", 100}, {"messages", {{{"role", "user"}, {"content", "hi"}}}},
        {"output_config", {{"format", {{"type", "json_schema"}, {"schema", schema}}}}}});
    REQUIRE(decoded);
    CHECK(decoded->response_format["type"] == "json_schema");
    CHECK(decoded->response_format["json_schema"]["schema"] == schema);
    // "text" asks for nothing.
    request.response_format = {{"type", "text"}};
    body = up().encode_request(request, "claude-haiku-4-5");
    CHECK_FALSE(body.contains("output_config"));
    CHECK_FALSE(body.contains("system"));
}

TEST_CASE("providers: anthropic response and usage with cache tokens") {
    json body = json::parse(R"({"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4",
      "content":[{"type":"text","text":"Let me check."},{"type":"tool_use","id":"toolu_2","name":"get","input":{"x":1}}],
      "stop_reason":"tool_use","stop_sequence":null,
      "usage":{"input_tokens":12,"cache_creation_input_tokens":100,"cache_read_input_tokens":200,"output_tokens":30}})");
    auto response = up().decode_response(body);
    REQUIRE(response);
    CHECK(response->text == "Let me check.");
    CHECK(response->finish == FinishReason::tool_calls);
    CHECK(response->tool_calls.at(0).arguments == R"({"x":1})");
    CHECK(response->usage.input == 12);
    CHECK(response->usage.cache_write == 100);
    CHECK(response->usage.cached_input == 200);
    CHECK(response->usage.output == 30);
    json back = down().encode_client_response(*response, "claude-sonnet-4");
    CHECK(back["stop_reason"] == "tool_use");
    CHECK(back["content"][1]["input"]["x"] == 1);
    CHECK(back["usage"]["cache_read_input_tokens"] == 200);
}

TEST_CASE("providers: anthropic stream decoder follows the documented event sequence") {
    std::string stream =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-x\",\"usage\":{\"input_tokens\":25,\"cache_read_input_tokens\":5,\"output_tokens\":1}}}\n\n"
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
        "event: ping\ndata: {\"type\":\"ping\"}\n\n"
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n"
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get\",\"input\":{}}}\n\n"
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"x\\\":\"}}\n\n"
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"1}\"}}\n\n"
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}\n\n"
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    // The usage decoder (pass-through streams) sees the same usage, finish and end, and no content.
    for (std::size_t step : {std::size_t(3), stream.size()}) {
        auto decoder = up().usage_decoder();
        std::vector<StreamEvent> events;
        for (std::size_t i = 0; i < stream.size(); i += step)
            for (auto& e : decoder->feed(std::string_view(stream).substr(i, step))) events.push_back(e);
        CHECK(decoder->done());
        std::int64_t output = 0, input = 0;
        FinishReason finish = FinishReason::unknown;
        for (const auto& e : events) {
            CHECK(e.kind != StreamEvent::Kind::text_delta);
            CHECK(e.kind != StreamEvent::Kind::tool_call_delta);
            if (e.kind == StreamEvent::Kind::finish) finish = e.finish;
            if (e.kind == StreamEvent::Kind::usage) {
                if (e.usage.output) output = e.usage.output;
                if (e.usage.input) input = e.usage.input;
            }
        }
        CHECK(finish == FinishReason::tool_calls);
        CHECK(output == 15);
        CHECK(input == 25);
    }
    for (std::size_t step : {std::size_t(3), stream.size()}) {
        auto decoder = up().stream_decoder();
        std::vector<StreamEvent> events;
        for (std::size_t i = 0; i < stream.size(); i += step)
            for (auto& e : decoder->feed(std::string_view(stream).substr(i, step))) events.push_back(e);
        CHECK(decoder->done());
        std::string text, args;
        int tool_starts = 0;
        FinishReason finish = FinishReason::unknown;
        std::int64_t output = 0, input = 0;
        for (const auto& e : events) {
            if (e.kind == StreamEvent::Kind::text_delta) text += e.text;
            if (e.kind == StreamEvent::Kind::tool_call_start) {
                ++tool_starts;
                CHECK(e.tool_call.id == "toolu_1");
            }
            if (e.kind == StreamEvent::Kind::tool_call_delta) {
                args += e.text;
                CHECK(e.tool_index == 0);
            }
            if (e.kind == StreamEvent::Kind::finish) finish = e.finish;
            if (e.kind == StreamEvent::Kind::usage) {
                if (e.usage.output) output = e.usage.output;
                if (e.usage.input) input = e.usage.input;
            }
        }
        CHECK(text == "Hello");
        CHECK(args == "{\"x\":1}");
        CHECK(tool_starts == 1);
        CHECK(finish == FinishReason::tool_calls);
        CHECK(output == 15);
        CHECK(input == 25);
    }
    auto cut = up().stream_decoder();
    cut->feed(stream.substr(0, stream.find("event: message_delta")));
    CHECK_FALSE(cut->done());
    auto errored = up().stream_decoder();
    auto events = errored->feed("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
    REQUIRE(events.size() == 1);
    CHECK(events[0].kind == StreamEvent::Kind::error);
    CHECK(events[0].error_type == "overloaded_error");
}

TEST_CASE("providers: anthropic stream encoder emits every event line and usage in message_delta") {
    auto encoder = down().stream_encoder("claude-x");
    std::string out = encoder->encode({.kind = StreamEvent::Kind::start, .id = "msg_9"});
    out += encoder->encode({.kind = StreamEvent::Kind::text_delta, .text = "Hi"});
    out += encoder->encode({.kind = StreamEvent::Kind::tool_call_start, .tool_index = 0, .tool_call = {"toolu_1", "get", ""}});
    out += encoder->encode({.kind = StreamEvent::Kind::tool_call_delta, .text = "{}", .tool_index = 0});
    out += encoder->encode({.kind = StreamEvent::Kind::usage, .usage = {10, 0, 0, 7, 0}});
    out += encoder->encode({.kind = StreamEvent::Kind::finish, .finish = FinishReason::tool_calls});
    out += encoder->finish();
    const char* sequence[] = {"event: message_start", "event: content_block_start", "event: content_block_delta",
                              "event: content_block_stop", "event: content_block_start", "event: content_block_delta",
                              "event: content_block_stop", "event: message_delta", "event: message_stop"};
    std::size_t at = 0;
    for (const char* name : sequence) {
        CAPTURE(name);
        at = out.find(name, at);
        REQUIRE(at != std::string::npos);
        ++at;
    }
    // every data line is preceded by an event line
    std::size_t data_lines = 0, event_lines = 0;
    for (std::size_t p = out.find("data: "); p != std::string::npos; p = out.find("data: ", p + 1)) ++data_lines;
    for (std::size_t p = out.find("event: "); p != std::string::npos; p = out.find("event: ", p + 1)) ++event_lines;
    CHECK(data_lines == event_lines);
    auto delta_at = out.find("event: message_delta");
    json delta = json::parse(out.substr(out.find("data: ", delta_at) + 6, out.find('\n', out.find("data: ", delta_at)) - out.find("data: ", delta_at) - 6));
    CHECK(delta["usage"]["output_tokens"] == 7);
    CHECK(delta["delta"]["stop_reason"] == "tool_use");

    auto failing = down().stream_encoder("claude-x");
    std::string broken = failing->encode({.kind = StreamEvent::Kind::text_delta, .text = "pa"});
    broken += failing->fail(make_error(ErrorCode::upstream_unavailable, "gone", true));
    CHECK(broken.find("event: error\ndata: {") != std::string::npos);
    CHECK(broken.find("overloaded_error") != std::string::npos);
    CHECK(broken.find("message_stop") == std::string::npos);
}

TEST_CASE("providers: anthropic errors are classified") {
    Error overloaded = up().decode_error(529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})", {});
    CHECK(overloaded.code == ErrorCode::upstream_unavailable);
    CHECK(overloaded.retryable);
    Error too_long = up().decode_error(400, R"({"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"}})", {});
    CHECK(too_long.code == ErrorCode::context_length_exceeded);
    Error auth = up().decode_error(401, R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})", {});
    CHECK(auth.code == ErrorCode::unauthenticated);
    CHECK(auth.message == "invalid x-api-key");
    ClientError client = down().encode_client_error(make_error(ErrorCode::rate_limited, "slow", true));
    CHECK(client.status == 429);
    CHECK(json::parse(client.body)["error"]["type"] == "rate_limit_error");
    CHECK(json::parse(client.body)["type"] == "error");
}

TEST_CASE("providers: anthropic target sends x-api-key and anthropic-version") {
    Endpoint endpoint{"anthropic", WireFormat::anthropic, "http://127.0.0.1:9", "sk-ant", ""};
    UpstreamTarget target = up().target(endpoint, "claude-x", true);
    CHECK(target.url == "http://127.0.0.1:9/v1/messages");
    CHECK(upstream::header_value(target.headers, "x-api-key") == "sk-ant");
    CHECK(upstream::header_value(target.headers, "anthropic-version") == "2023-06-01");
}
