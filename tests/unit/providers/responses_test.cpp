#include <doctest/doctest.h>

#include "megarouter/providers/responses.hpp"

using nlohmann::json;
using namespace megarouter;

TEST_CASE("responses: a Codex-style Responses request decodes to canonical") {
    json body = json::parse(R"({
      "model": "gpt-5.2-codex", "instructions": "You are Codex", "stream": true, "store": false,
      "include": ["reasoning.encrypted_content"], "prompt_cache_key": "abc",
      "reasoning": {"effort": "high"}, "max_output_tokens": 500,
      "tools": [{"type": "function", "name": "shell", "description": "run", "parameters": {"type": "object"}},
                {"type": "web_search"},
                {"type": "namespace", "name": "ns", "tools": [{"type": "function", "name": "inner", "parameters": {}}]}],
      "input": [
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "sandbox rules"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "list files"}]},
        {"type": "reasoning", "encrypted_content": "xyz"},
        {"type": "function_call", "call_id": "call_1", "name": "shell", "arguments": "{\"cmd\":\"ls\"}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "a.txt"},
        {"role": "developer", "content": "late system note"}
      ]})");
    auto decoded = providers::decode_responses_request(body);
    REQUIRE(decoded);
    const auto& r = decoded->request;
    CHECK(r.model == "gpt-5.2-codex");
    CHECK(r.system == "You are Codex\n\nsandbox rules");
    CHECK(r.stream);
    CHECK(r.reasoning_effort == "high");
    CHECK(r.max_tokens == 500);
    REQUIRE(r.tools.size() == 2);
    CHECK(r.tools[0].name == "shell");
    CHECK(r.tools[1].name == "inner");
    CHECK(decoded->dropped == std::vector<std::string>{"tool:web_search"});
    REQUIRE(r.messages.size() == 4);
    CHECK(r.messages[0].role == providers::Role::user);
    CHECK(r.messages[1].role == providers::Role::assistant);
    CHECK(r.messages[1].tool_calls[0].id == "call_1");
    CHECK(r.messages[2].role == providers::Role::tool);
    CHECK(r.messages[2].tool_call_id == "call_1");
    CHECK(r.messages[3].role == providers::Role::system);
}

TEST_CASE("responses: a Responses request with bad fields fails with invalid_argument") {
    CHECK_FALSE(providers::decode_responses_request(json::parse(R"({"input": "hi"})")));
    CHECK_FALSE(providers::decode_responses_request(json::parse(R"({"model": "m", "input": 5})")));
    auto bad_role = providers::decode_responses_request(json::parse(R"({"model": "m", "input": [{"role": "robot", "content": "x"}]})"));
    REQUIRE_FALSE(bad_role);
    CHECK(bad_role.error().code == ErrorCode::invalid_argument);
    CHECK(bad_role.error().message.find("input[0].role") != std::string::npos);
}

TEST_CASE("responses: a Responses request with a member of another type fails or falls back, never throws") {
    // Each of these threw nlohmann's type_error from value() (a 500, and a
    // crash in the fuzzer): an object or number where a string belongs.
    const char* bodies[] = {
        R"({"model": "m", "input": [{"role": {"x": 1}, "content": "hi"}]})",
        R"({"model": "m", "input": [{"type": 7, "role": "user", "content": "hi"}]})",
        R"({"model": "m", "input": [{"role": "user", "content": [{"type": "input_text", "text": {"a": 1}}]}]})",
        R"({"model": "m", "input": [{"type": "function_call", "call_id": [], "name": 3, "arguments": "{}"}, "x"]})",
        R"({"model": "m", "input": [{"type": "function_call_output", "call_id": {}, "output": "ok"}]})",
        R"({"model": "m", "input": "hi", "tools": [{"type": "function", "name": {}, "description": 1}]})",
        R"({"model": "m", "input": "hi", "reasoning": {"effort": 3}, "tool_choice": {"type": "function", "name": []}})",
        R"({"model": "m", "input": "hi", "text": {"format": {"type": "json_schema", "name": 1, "strict": "yes"}}})",
    };
    for (const char* text : bodies) {
        CAPTURE(text);
        auto decoded = providers::decode_responses_request(json::parse(text));
        if (!decoded) CHECK(decoded.error().code == ErrorCode::invalid_argument);
    }
    auto role = providers::decode_responses_request(json::parse(bodies[0]));
    REQUIRE_FALSE(role);
    CHECK(role.error().message.find("input[0].role") != std::string::npos);
    auto format = providers::decode_responses_request(json::parse(bodies[7]));
    REQUIRE(format);
    CHECK(format->request.response_format["json_schema"]["name"] == "response");
    CHECK(format->request.response_format["json_schema"]["strict"] == false);
}

TEST_CASE("responses: the Responses stream encoder writes the documented event order with usage") {
    auto encoder = providers::responses_stream_encoder("claude-haiku-4-5");
    std::string out;
    providers::StreamEvent e;
    e.kind = providers::StreamEvent::Kind::start;
    out += encoder->encode(e);
    e.kind = providers::StreamEvent::Kind::text_delta;
    e.text = "Hello";
    out += encoder->encode(e);
    e.kind = providers::StreamEvent::Kind::tool_call_start;
    e.tool_index = 0;
    e.tool_call = {.id = "toolu_1", .name = "get_weather", .arguments = ""};
    out += encoder->encode(e);
    e.kind = providers::StreamEvent::Kind::tool_call_delta;
    e.text = "{\"city\":\"Paris\"}";
    out += encoder->encode(e);
    e.kind = providers::StreamEvent::Kind::usage;
    e.usage = {.input = 10, .cached_input = 2, .output = 7};
    out += encoder->encode(e);
    out += encoder->finish();
    std::vector<std::string> order = {"response.created", "response.in_progress", "response.output_item.added",
                                      "response.content_part.added", "response.output_text.delta",
                                      "response.output_text.done", "response.content_part.done",
                                      "response.output_item.done", "response.output_item.added",
                                      "response.function_call_arguments.delta", "response.function_call_arguments.done",
                                      "response.output_item.done", "response.completed"};
    std::size_t at = 0;
    for (const auto& type : order) {
        auto next = out.find("event: " + type + "\n", at);
        REQUIRE_MESSAGE(next != std::string::npos, type);
        at = next + 1;
    }
    auto completed = json::parse(out.substr(out.find("data: ", out.find("event: response.completed")) + 6));
    CHECK(completed["response"]["usage"]["input_tokens"] == 12);
    CHECK(completed["response"]["usage"]["input_tokens_details"]["cached_tokens"] == 2);
    CHECK(completed["response"]["usage"]["output_tokens"] == 7);
    CHECK(completed["response"]["output"][1]["arguments"] == "{\"city\":\"Paris\"}");
    CHECK(encoder->finish().empty());
}

TEST_CASE("responses: a failed Responses stream ends with an error event the SDK raises, then response.failed") {
    auto encoder = providers::responses_stream_encoder("m");
    providers::StreamEvent e;
    e.kind = providers::StreamEvent::Kind::text_delta;
    e.text = "partial";
    encoder->encode(e);
    std::string out = encoder->fail(make_error(ErrorCode::upstream_error, "stream cut"));
    auto error_at = out.find("event: error\n");
    REQUIRE(error_at != std::string::npos);
    auto data = json::parse(out.substr(out.find("data: ", error_at) + 6, out.find("\n\n", error_at) - out.find("data: ", error_at) - 6));
    CHECK(data["error"]["message"] == "stream cut");
    CHECK(out.find("event: response.failed") > error_at);
    CHECK(out.find("response.completed") == std::string::npos);
}

TEST_CASE("responses: the Responses sniffer reads usage from a passed-through stream split anywhere") {
    std::string stream =
        "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{}}\n\n"
        "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"error\"}\n\n"
        "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"model\":\"gpt-4o\","
        "\"usage\":{\"input_tokens\":30,\"input_tokens_details\":{\"cached_tokens\":10},\"output_tokens\":5,"
        "\"output_tokens_details\":{\"reasoning_tokens\":2}}}}\n\n";
    providers::ResponsesStreamSniffer sniffer;
    for (std::size_t i = 0; i < stream.size(); i += 7) sniffer.feed(std::string_view(stream).substr(i, 7));
    CHECK(sniffer.completed());
    CHECK_FALSE(sniffer.failed());
    CHECK(sniffer.usage().input == 20);
    CHECK(sniffer.usage().cached_input == 10);
    CHECK(sniffer.usage().output == 5);
    CHECK(sniffer.usage().reasoning == 2);
}

TEST_CASE("responses: the Responses sniffer takes a terminal event whose model is not a string") {
    // A fuzz finding: {"model": 6} threw type_error 302 out of the sniffer.
    providers::ResponsesStreamSniffer sniffer;
    sniffer.feed("data: {\"type\":\"response.incomplete\",\"response\":{\"model\":6,"
                 "\"usage\":{\"input_tokens\":1,\"output_tokens\":7}}}\n\n");
    CHECK(sniffer.completed());
    CHECK(sniffer.usage().output == 7);
}
